"""Phone numbers and email addresses: validated once, stored canonical, shown as people read them.

Phones go through Google's libphonenumber (the ``phonenumbers`` package): stored in E.164, shown
in the clinic's national format, dialled with their extension (``tel:+15550100199;ext=2``).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from checkins.domain import InvalidInput

DEFAULT_REGION = "US"
# Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the worker's job.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        number = None
    # "Possible" (the right length for its country) rather than "valid": the fictional
    # 555-01xx numbers of demos and tests are possible but not assigned.
    possible = phonenumbers.ValidationResult.IS_POSSIBLE
    if number is None or phonenumbers.is_possible_number_with_reason(number) != possible:
        raise InvalidInput(
            f"“{text.strip()}” is not a phone number we can dial; "
            "enter it with its area code, like (555) 010-0199.",
            code="invalid_phone",
        )
    return number


def normalize_phone(text: str, *, region: str = DEFAULT_REGION, mobile: bool = False) -> str:
    """E.164 (``+15550100199``, plus ``;ext=2`` when given); a sentence if it is not a number.

    ``mobile=True`` also refuses numbers that are known to be landlines (texts cannot reach them).
    """
    if len(text) > 40:
        raise InvalidInput("That phone number is too long.", code="invalid_phone")
    number = _parse(text, region)
    if mobile and phonenumbers.number_type(number) in (
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.TOLL_FREE,
    ):
        raise InvalidInput(
            f"{display_phone(text, region=region)} is a landline; texts need a mobile number.",
            code="invalid_phone",
        )
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


def optional_phone(
    text: str | None, *, region: str = DEFAULT_REGION, mobile: bool = False
) -> str | None:
    return normalize_phone(text, region=region, mobile=mobile) if text and text.strip() else None


def display_phone(stored: str | None, *, region: str = DEFAULT_REGION) -> str:
    """The national format for the clinic's own country, international otherwise."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored.replace(";ext=", " ext. "), region)
    except NumberParseException:
        return stored
    same = number.country_code == phonenumbers.country_code_for_region(region)
    fmt = PhoneNumberFormat.NATIONAL if same else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def tel_uri(stored: str | None, *, region: str = DEFAULT_REGION) -> str:
    """A ``tel:`` URI that dials the number and its extension (RFC 3966); "" when none."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored.replace(";ext=", " ext. "), region)
    except NumberParseException:
        return ""
    uri: str = phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)
    return uri


def normalize_email(text: str) -> str:
    value = text.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidInput(
            f"“{value}” is not an email address; it looks like name@example.com.",
            code="invalid_email",
        )
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def optional_email(text: str | None) -> str | None:
    return normalize_email(text) if text and text.strip() else None
