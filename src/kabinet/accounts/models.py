"""Sign-in accounts. A client's account is linked to a CRM contact (``crm.Contact.user``); staff have none."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import new_public_id


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.CharField(
        _("public id"), max_length=22, unique=True, default=new_public_id, editable=False
    )
    email = models.EmailField(_("email"), unique=True)
    phone = models.CharField(
        _("phone"),
        max_length=16,
        blank=True,
        db_index=True,
        help_text=_("The phone this account signs in with, in international format, e.g. +79161234567."),
    )
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_staff = models.BooleanField(
        _("staff"), default=False, help_text=_("Works in the back office (managers, agents, admins).")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_phone_unique"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class RegistrationMode(models.TextChoices):
    INVITE = "invite", _("By invitation only")
    OPEN = "open", _("Anyone may sign up (matched to an existing contact by a verified email or phone)")
    CLOSED = "closed", _("Closed: no new accounts")


class SignInSettings(models.Model):
    """The staff's sign-in settings: one row (pk 1), edited in the back office, read through ``current()``."""

    registration_mode = models.CharField(
        _("registration"), max_length=10, choices=RegistrationMode.choices, default=RegistrationMode.INVITE
    )
    idle_timeout_minutes = models.PositiveIntegerField(
        _("sign out after inactivity (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    absolute_lifetime_hours = models.PositiveIntegerField(
        _("sign out in any case after (hours)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(90 * 24)],
        help_text=_("A session ends this long after sign-in, however active it is."),
    )
    consent_version = models.PositiveIntegerField(
        _("consent text version"),
        default=1,
        editable=False,
        help_text=_("Goes up by one each time the consent text changes."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sign-in settings")
        verbose_name_plural = _("sign-in settings")

    def __str__(self) -> str:
        return str(_("Sign-in settings"))

    def save(self, *args, **kwargs) -> None:
        # The one row: it is read by this key (pk 1), whatever the database's sequence has reached.
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> SignInSettings:
        """The settings row, created with the defaults on first use."""
        return cls.objects.get_or_create(pk=1)[0]


class ConsentText(models.Model):
    """The consent text a person accepts at sign-up, in one language."""

    sign_in_settings = models.ForeignKey(
        SignInSettings, on_delete=models.CASCADE, related_name="consent_texts", verbose_name=_("settings")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("consent text"))

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(
                fields=["sign_in_settings", "language"], name="accounts_consent_text_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()}"


class ConsentAcceptance(models.Model):
    """Proof that a person accepted the consent text: which version, the exact words, when and from where."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("user"),
    )
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("text accepted"))
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent acceptance")
        verbose_name_plural = _("consent acceptances")
        ordering = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} v{self.version} {self.accepted_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An invitation to the portal sent by email with a one-time link: the one mechanism for staff inviting a
    CRM contact and for a company admin inviting a colleague to a company.

    - To an address no account uses, the link lets the person set a password and signs him in.
    - To an address that belongs to an account (``invitee``), it is a pending offer that only that account,
      signed in as himself, accepts or declines; the inviter learns nothing about him.

    The contact and the company are referred to by public id: accounts does not import the CRM (the contact
    directory in ``kabinet.accounts.directory`` resolves them). Only a hash of the link's token is stored.
    """

    public_id = models.CharField(
        _("public id"), max_length=22, unique=True, default=new_public_id, editable=False
    )
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_public_id = models.CharField(_("contact"), max_length=22, blank=True, db_index=True)
    # A colleague invitation: the company it gives access to, its name when sent, and the role offered.
    company_public_id = models.CharField(_("company"), max_length=22, blank=True, db_index=True)
    company_name = models.CharField(_("company name"), max_length=255, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The account that already owned the address when the invitation was sent: only he may answer it.
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account created"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.declined_at is None
            and self.expires_at > timezone.now()
        )
