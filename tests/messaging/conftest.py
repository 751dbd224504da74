from __future__ import annotations

from collections.abc import Iterator

import pytest

from checkins.messaging.channels import Channels, SmsChannel, SmtpChannel

from .servers import SmsApi, SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sms() -> Iterator[SmsApi]:
    api = SmsApi().start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def channels(smtp: SmtpServer, sms: SmsApi) -> Channels:
    return Channels(
        email=SmtpChannel(smtp.url, "clinic@maple.example"),
        sms=SmsChannel(sms.url, "+15550100000"),
    )
