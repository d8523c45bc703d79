"""Providers behind contracts (DESIGN.md section 7): ``integrations/<kind>/<provider>/`` implement the
contracts that ``core`` or a domain owns, and register them from :class:`IntegrationsConfig.ready`.

The framework (provider base class, registry per kind, the active provider) is :mod:`kabinet.core.providers`,
re-exported for provider authors by :mod:`kabinet.integrations.base`; outgoing HTTP goes through
:mod:`kabinet.integrations.http`; staff's choice of provider and its encrypted credentials are
:class:`~kabinet.integrations.models.ProviderAccount` rows. Domain code imports the contract and the facade,
never this package.
"""
