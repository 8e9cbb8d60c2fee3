"""The dev stack's mail catcher keeps every message it is sent, numbered on across restarts."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from cli.mailcatcher import SaveToFolder
from tests.support.ports import free_port


def send(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", subject
    message.set_content("hello")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def catch(folder: Path, *subjects: str) -> None:
    port = free_port()
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for subject in subjects:
            send(port, subject)
    finally:
        controller.stop()


def test_messages_are_kept_in_order_and_numbered_on_after_a_restart(tmp_path: Path) -> None:
    catch(tmp_path, "one", "two")
    catch(tmp_path, "three")
    kept = sorted(tmp_path.glob("*.eml"))
    assert [p.name for p in kept] == ["000001.eml", "000002.eml", "000003.eml"]
    subjects = [b"one", b"two", b"three"]
    assert all(b"Subject: " + s in p.read_bytes() for p, s in zip(kept, subjects, strict=True))
