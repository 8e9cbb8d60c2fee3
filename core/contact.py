"""How a person can be reached: one e-mail address, one phone number. The intake schema
(life_events/common.yaml, ``contact``) holds the same patterns; a test keeps them equal.

The e-mail pattern is a single RFC 5322 ``addr-spec`` in its dot-atom form, ASCII only: no
display name, no angle brackets, no comma or space (so never a list), one ``@``, a dotted
domain. The leading look-ahead refuses a line feed anywhere (``$`` would let a final one
through). Phone numbers are E.164.
"""

import re

EMAIL_PATTERN = (
    r"^(?![^\n]*\n)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
EMAIL_MAX_LENGTH = 254
PHONE_PATTERN = r"^(?![^\n]*\n)\+[1-9][0-9]{6,14}$"

_EMAIL = re.compile(EMAIL_PATTERN)


def is_single_email(value: str) -> bool:
    """Exactly one plain address (what the intake accepts)."""
    return len(value) <= EMAIL_MAX_LENGTH and _EMAIL.fullmatch(value) is not None
