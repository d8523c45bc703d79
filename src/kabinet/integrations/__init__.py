"""Providers behind contracts (DESIGN.md section 7): SMS today; payments, CRM, PBX and messengers later.

Each kind has a contract (dataclasses for input and result), a registry keyed by provider id, a facade the
domain calls, and an offline backend used by the demo and the tests. Domain code imports the contract and
the facade, never a provider module or a vendor SDK.
"""
