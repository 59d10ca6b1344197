"""Small builders shared by the tests: inbound webhook parameters as Vonage sends them, signed or not."""
from __future__ import annotations

import itertools
import time

from vonage import Auth

SENDER = "14155550100"  # a San Francisco number: America/Los_Angeles
_ids = itertools.count(1)


def inbound(text: str, msisdn: str = SENDER, **extra: str) -> dict[str, str]:
    """The SMS API's inbound-message fields, as Vonage sends them."""
    message_id = extra.pop("messageId", f"0A00000{next(_ids):09d}")
    return {"msisdn": msisdn, "to": "447700900000", "messageId": message_id, "text": text, "type": "text",
            "keyword": text.split(" ")[0].upper() if text else "", "api-key": "test-key",
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), **extra}


def signed(params: dict[str, str], secret: str, method: str = "sha256", timestamp: int | None = None) -> dict:
    """Sign `params` the way Vonage does (the SDK's own signer), adding timestamp and sig."""
    out = dict(params, timestamp=str(timestamp if timestamp is not None else int(time.time())))
    out["sig"] = Auth(api_key="test-key", signature_secret=secret, signature_method=method).sign_params(dict(out))
    return out


def auth(token: str = "test-token") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
