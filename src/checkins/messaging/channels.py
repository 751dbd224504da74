"""The two ways out: email over SMTP, SMS over a Twilio-compatible REST API.

``CHECKINS_SMTP_URL=smtp://user:pass@host:port`` (or ``smtps://``) and ``CHECKINS_MAIL_FROM``;
``CHECKINS_SMS_URL=https://ACCOUNT:TOKEN@api.example.com/2010-04-01/Accounts/ACCOUNT/Messages.json``
and ``CHECKINS_SMS_FROM``. A send either returns, or raises ``Temporary`` (the server is down or
busy: try again later) or ``Permanent`` (this address will never take it: stop trying).
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from checkins.domain import ChannelName

TIMEOUT_S = 20.0


class Temporary(Exception):
    """The service could not take the message now; it stays queued."""


class Permanent(Exception):
    """The address refused it (bounced, not a number); retrying will not help."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    idempotency_key: str


class Channel(Protocol):
    def send(self, message: Outgoing) -> None: ...


class NotConfigured:
    """A channel whose settings are missing: messages wait (and say why) until it is set."""

    def __init__(self, what: str) -> None:
        self.what = what

    def send(self, message: Outgoing) -> None:
        raise Temporary(f"{self.what} is not configured")


def message_id(key: str, domain: str) -> str:
    """``<checkins.KEY@domain>``: the outbox row's key, so every send of one row carries one id.

    (``email.utils.make_msgid`` adds the time, the pid and a random number: a resend by another
    worker would look like a new message.) The key is made a dot-atom (RFC 5322 3.6.4).
    """
    local = ".".join(p for p in re.split(r"[^A-Za-z0-9_-]+", key) if p)
    return f"<checkins.{local}@{domain}>"


class SmtpChannel:
    def __init__(self, url: str, sender: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("CHECKINS_SMTP_URL looks like smtp://user:pass@host:port")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = urllib.parse.unquote(parts.username or "")
        self.password = urllib.parse.unquote(parts.password or "")
        self.sender = sender

    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.to, message.subject
        domain = self.sender.rpartition("@")[2] or "checkins.invalid"
        # The same key gives the same Message-ID: a resend after a crash is a duplicate by id.
        mail["Message-ID"] = message_id(message.idempotency_key, domain)
        mail.set_content(message.body)
        try:
            cls = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
            with cls(self.host, self.port, timeout=TIMEOUT_S) as smtp:
                if not self.tls and self.user and smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            raise Permanent(f"the mail server refused {message.to}: {code} {_text(text)}") from None
        except smtplib.SMTPResponseException as e:
            if 500 <= e.smtp_code < 600:
                raise Permanent(
                    f"the mail server said {e.smtp_code} {_text(e.smtp_error)}"
                ) from None
            raise Temporary(f"the mail server said {e.smtp_code} {_text(e.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as e:
            raise Temporary(f"the mail server could not be reached ({type(e).__name__})") from None


class SmsChannel:
    """POST ``To``, ``From``, ``Body`` form fields with basic auth, as Twilio's API takes them."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("CHECKINS_SMS_URL is the provider's https:// messages endpoint")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.auth = f"Basic {token}" if user else ""
        self.sender = sender

    def send(self, message: Outgoing) -> None:
        data = urllib.parse.urlencode(
            {"To": message.to, "From": self.sender, "Body": message.body}
        ).encode()
        request = urllib.request.Request(self.url, data=data, method="POST")  # noqa: S310 - configured URL
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("I-Twilio-Idempotency-Token", message.idempotency_key)
        if self.auth:
            request.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as e:
            detail = _text(e.read()[:300])
            if e.code in (400, 404, 410, 422):
                raise Permanent(
                    f"the SMS service refused {message.to}: {e.code} {detail}"
                ) from None
            raise Temporary(f"the SMS service answered {e.code}") from None
        except (TimeoutError, OSError) as e:
            raise Temporary(f"the SMS service could not be reached ({type(e).__name__})") from None


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


@dataclass(frozen=True)
class Channels:
    email: Channel
    sms: Channel

    def for_name(self, name: str) -> Channel:
        return self.email if name == ChannelName.EMAIL else self.sms


def from_environment() -> Channels:
    """The channels the environment configures; a missing one keeps its messages queued."""
    smtp, sms = os.environ.get("CHECKINS_SMTP_URL"), os.environ.get("CHECKINS_SMS_URL")
    mail_from = os.environ.get("CHECKINS_MAIL_FROM", "checkins@localhost")
    sms_from = os.environ.get("CHECKINS_SMS_FROM", "")
    return Channels(
        email=SmtpChannel(smtp, mail_from) if smtp else NotConfigured("email (CHECKINS_SMTP_URL)"),
        sms=SmsChannel(sms, sms_from) if sms else NotConfigured("SMS (CHECKINS_SMS_URL)"),
    )
