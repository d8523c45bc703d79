"""Login stages: the email check is a step of signing up, not of every sign-in."""

from __future__ import annotations

from allauth.account.stages import EmailVerificationStage


class SignUpEmailVerificationStage(EmailVerificationStage):
    """A new account proves its email by code before it is signed in and matched to a contact.

    Existing accounts are not stopped at sign-in: staff created them (or an invitation link proved the
    address), and a code sign-in verifies the address anyway.
    """

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()
