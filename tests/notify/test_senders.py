"""Each sender speaks its service's format to a real local server that checks it as the service
does: WeCom's body and key, DingTalk's 加签 (timestamp + HMAC-SHA256 in the query), Feishu's
签名校验 (timestamp + sign in the body), the webhook's idempotency key and HMAC, the SMS gateway's
template and token, and e-mail through aiosmtpd. A wrong secret is refused; errors never show a
token or a secret."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator

import pytest

from gridops.notify import DeliveryFailed
from gridops.notify.senders import Note, send
from gridops.org.channels import Channel, NotifyPolicy, SmsGateway, Smtp

from .receivers import Mailbox, Receiver

NOTE = Note("gridops-0123abcd", "2611240001", "dispatch", "gridops 通知：案卷 2611240001",
            "【派遣】案卷 2611240001（暴露垃圾）派给您处置，时限 2026-11-24 12:00。")  # fmt: skip
SECRETS = {"ROBOT_URL": "", "SIGN": "SECabc123", "SMS_TOKEN": "sms-tok"}


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    kind, secret = request.param
    r = Receiver(kind, secret=secret).start()
    yield r
    r.stop()


@pytest.mark.parametrize(
    ("receiver", "channel"),
    [
        (("wecom", ""), Channel("wecom", url_secret="ROBOT_URL", mention=("13800001111",))),
        (("dingtalk", "SECabc123"), Channel("dingtalk", url_secret="ROBOT_URL", secret="SIGN")),
        (("feishu", "SECabc123"), Channel("feishu", url_secret="ROBOT_URL", secret="SIGN")),
        (("webhook", "SECabc123"), Channel("webhook", url_secret="ROBOT_URL", secret="SIGN")),
    ],
    indirect=["receiver"],
)
def test_each_robot_gets_its_own_format_signed(receiver: Receiver, channel: Channel) -> None:
    secrets = SECRETS | {"ROBOT_URL": receiver.url}
    send(channel, NOTE, secrets, NotifyPolicy())
    assert receiver.refused == []
    [got] = receiver.received
    text = {"wecom": lambda m: m["text"]["content"], "dingtalk": lambda m: m["text"]["content"],
            "feishu": lambda m: m["content"]["text"], "webhook": lambda m: m["text"]}  # fmt: skip
    assert text[receiver.kind](got) == NOTE.text
    if receiver.kind == "wecom":
        assert got["text"]["mentioned_mobile_list"] == ["13800001111"]
    if receiver.kind == "webhook":
        assert got["id"] == NOTE.key and got["ticket"] == "2611240001"


@pytest.mark.parametrize(
    "receiver", [("dingtalk", "SECother"), ("feishu", "SECother"), ("webhook", "SECother")],
    indirect=True,
)  # fmt: skip
def test_a_wrong_secret_is_refused_and_the_error_shows_no_secret(receiver: Receiver) -> None:
    channel = Channel(receiver.kind, url_secret="ROBOT_URL", secret="SIGN")
    with pytest.raises(DeliveryFailed) as failed:
        send(channel, NOTE, SECRETS | {"ROBOT_URL": receiver.url}, NotifyPolicy())
    assert receiver.received == [] and receiver.refused
    message = str(failed.value)
    assert "url_secret ROBOT_URL" in message
    assert receiver.token not in message and "SECabc123" not in message


def test_a_missing_secret_names_the_variable() -> None:
    channel = Channel("dingtalk", url="http://127.0.0.1:9/robot/send", secret="NOT_SET")
    with pytest.raises(DeliveryFailed, match="GRIDOPS_SECRET_NOT_SET is not set"):
        send(channel, NOTE, {}, NotifyPolicy())


@pytest.mark.parametrize("receiver", [("sms", "sms-tok")], indirect=True)
def test_the_sms_gateway_gets_its_template_filled(receiver: Receiver) -> None:
    policy = NotifyPolicy(sms=SmsGateway(receiver.url, '{"to": {to}, "text": {text}, '
                                         '"id": {key}, "sign": "城运"}', "SMS_TOKEN"))  # fmt: skip
    send(Channel("sms", to="+8613800001111"), NOTE, SECRETS, policy)
    [got] = receiver.received
    assert got == {"to": "+8613800001111", "text": NOTE.text, "id": NOTE.key, "sign": "城运"}


def test_email_goes_through_smtp_with_the_key_as_message_id() -> None:
    with Mailbox() as box:
        policy = NotifyPolicy(smtp=Smtp("127.0.0.1", box.port, "ops@example.org"))
        send(Channel("email", to="zhang.wei@example.org"), NOTE, {}, policy)
    [(rcpt, raw)] = box.mail
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpt == ["zhang.wei@example.org"]
    assert mail["Message-ID"] == f"<{NOTE.key}@gridops>"
    assert mail["Subject"] == NOTE.subject and mail.get_content().strip() == NOTE.text


def test_a_server_that_is_down_is_a_failed_delivery() -> None:
    with Mailbox() as box:
        port = box.port
    with pytest.raises(DeliveryFailed, match=f"127.0.0.1:{port}"):
        send(Channel("email", to="a@example.org"), NOTE, {},
             NotifyPolicy(smtp=Smtp("127.0.0.1", port, "ops@example.org")))  # fmt: skip
    assert json.dumps(SECRETS)  # nothing else to clean up
