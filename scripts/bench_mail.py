"""P11's e-mail backend for the workers of ``make bench``: each message is built to the bytes SMTP
would send (its PDF encoded into it), and its size appended as one line to ``$BENCH_MAIL_LOG``
(several worker processes append to the same file; a line is one small write). Nothing is kept or
sent: the file backend would write a gigabyte of PDFs, the console backend print them."""

import os
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    def send_messages(self, messages: Any) -> int:
        sizes = [len(message.message().as_bytes()) for message in messages]
        with open(os.environ["BENCH_MAIL_LOG"], "a", encoding="ascii") as log:
            log.write("".join(f"{size}\n" for size in sizes))
        return len(sizes)
