"""Channels and notify.yaml are validated when read: the error names the file, the key and the
value, and says what to write instead."""

from __future__ import annotations

import pytest

from gridops.errors import ConfigError
from gridops.org.channels import Channel, parse_channel, policy_from_dict
from gridops.yamlconfig import Node


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "dingtalk", "url": "ftp://oapi.dingtalk.com/robot/send", "secret": "S"},
         "staff[0].channels[0].url: bad URL 'ftp://oapi.dingtalk.com/robot/send'"),
        ({"type": "dingtalk", "url_secret": "DT_URL"},
         "staff[0].channels[0].secret: missing required key 'secret'"),
        ({"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/x",
          "secret": "lower-case"}, "secret: 'lower-case' is not a secret's name"),
        ({"type": "telegram", "url": "https://t.me/x"},
         "staff[0].channels[0].type: unknown value 'telegram'"),
        ({"type": "email", "to": "zhang-wei"}, "to: bad e-mail address 'zhang-wei'"),
        ({"type": "sms", "to": "call me"}, "to: bad phone number 'call me'"),
        ({"type": "wecom"}, "a wecom channel needs url or url_secret"),
        ({"type": "wecom", "url": "https://qyapi.weixin.qq.com/x", "secret": "S"},
         "a WeCom group robot is not signed"),
    ],
)  # fmt: skip
def test_a_bad_channel_names_file_key_and_value(raw: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as bad:
        parse_channel(Node(raw, "roster.yaml", "staff[0].channels[0]"))
    assert str(bad.value).startswith("roster.yaml: ") and expected in str(bad.value)


def test_a_good_channel_keeps_only_the_names_of_its_secrets() -> None:
    node = Node({"type": "dingtalk", "url_secret": "LAW_ROBOT", "secret": "LAW_SIGN",
                 "mention": ["13800001111"]}, "org.yaml", "channels.gw-1[0]")  # fmt: skip
    channel = parse_channel(node)
    assert channel.secrets() == ("LAW_ROBOT", "LAW_SIGN")
    assert Channel.from_dict(channel.as_dict()) == channel


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"quiet_hours": {"start": "22:00", "end": "7 am"}},
         "quiet_hours.end: expected a time HH:MM, got '7 am'"),
        ({"quiet_hours": {"start": "22:00", "end": "07:00", "urgent": ["fire"]}},
         "quiet_hours.urgent: unknown kind 'fire'"),
        ({"smtp": {"host": "mail.example.org", "from": "ops@example.org", "user": "ops"}},
         "smtp.password_secret: user and password_secret go together"),
        ({"sms": {"url": "https://sms.example.org/send", "body": '{"to": {to}}'}},
         "sms.body: the body template lacks {text}"),
        ({"sms": {"url": "sms.example.org"}}, "sms.url: bad URL 'sms.example.org'"),
        ({"pager": {}}, "unknown key 'pager'"),
    ],
)  # fmt: skip
def test_a_bad_notify_yaml_names_file_key_and_value(raw: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as bad:
        policy_from_dict(raw, source="notify.yaml")
    assert str(bad.value).startswith("notify.yaml: ") and expected in str(bad.value)
