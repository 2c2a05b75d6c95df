"""A throwaway Dovecot (Debian's dovecot-imapd and dovecot-lmtpd, `make install-dev`) for the
mailbox tests: its own configuration, base and state folders, users and TLS certificate in a
temporary folder, IMAP (993-style TLS and 143-style STARTTLS) and LMTP on free 127.0.0.1 ports.
It runs in the foreground (`dovecot -F`) in a process group of its own, stopped by `stop()`.

Users live in a passwd-file written at start with a pool of users (Dovecot looks at the file
at most once a second, so users added later may not be seen yet): each test takes fresh ones.
XOAUTH2 logins go to the oauth2 passdb, which asks the OAuth stand-in's /tokeninfo. As root,
Dovecot's processes run as the `dovecot` and `dovenull` users the Debian package creates, and so
does the mail.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from gcp.net import free_port
from mailserver.certs import ServerCA

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MISSING = (
    "Dovecot is not installed: `make install-dev` installs Debian's dovecot-imapd and "
    "dovecot-lmtpd (apt-get, as root)"
)

POOL = 400  # mailbox users made at start

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = followup-test-{port}
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u allow_all_users=yes
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
# No auth penalty (2 s and more per earlier failure from the same IP: every test is 127.0.0.1):
# the auth process can't reach anvil's penalty socket, so the penalty is off.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
"""


class Dovecot:
    """One Dovecot instance; `start()` returns when IMAP answers."""

    def __init__(self, ca: ServerCA, tokeninfo_url: str) -> None:
        self.ca = ca
        self.root = Path(tempfile.mkdtemp(prefix="fu-dovecot-"))
        self.imaps_port, self.imap_port, self.lmtp_port = free_port(), free_port(), free_port()
        self._tokeninfo = tokeninfo_url
        self._process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0
        self._pool = [
            (f"user{n}-{secrets.token_hex(3)}@example.test", "pw-" + secrets.token_hex(8))
            for n in range(POOL)
        ]

    def _identity(self) -> tuple[str, str, int, int]:
        if os.geteuid() == 0:  # the users the Debian package made
            mail = pwd.getpwnam("dovecot")
            return "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def start(self, timeout: float = 20.0) -> Dovecot:
        """Write the configuration, start Dovecot, wait for IMAP."""
        internal, login, uid, gid = self._identity()
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir()
        self.root.chmod(0o755)
        os.chown(self.root / "mail", uid, gid)
        (self.root / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self._pool)
        )
        (self.root / "oauth2.conf.ext").write_text(
            f"tokeninfo_url = {self._tokeninfo}\nintrospection_mode = auth\n"
            "username_attribute = email\n"
        )
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(
            root=self.root, internal=internal, login=login, uid=uid, gid=gid,
            cert=self.ca.cert_file, key=self.ca.key_file,
            port=self.imaps_port, imap=self.imap_port, lmtp=self.lmtp_port,
        ))  # fmt: skip
        began = time.monotonic()
        self._process = subprocess.Popen(  # noqa: S603 - Debian's dovecot, our own config
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        while time.monotonic() - began < timeout:
            if self._process.poll() is not None:
                raise RuntimeError(f"Dovecot stopped at start: {self.log()[-2000:]}")
            if _answers(self.imaps_port) and _answers(self.lmtp_port):
                self.started_in = time.monotonic() - began
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"Dovecot did not answer within {timeout} s: {self.log()[-2000:]}")

    def take_user(self) -> tuple[str, str]:
        """A user (address, password) nobody used yet; XOAUTH2 works for every user."""
        if not self._pool:
            raise RuntimeError(f"all {POOL} test mailboxes are taken: raise POOL")
        return self._pool.pop(0)

    def deliver(self, recipients: list[str], data: bytes, sender: str = "") -> None:
        """Hand a message to Dovecot over LMTP (user+Folder@domain files it in Folder)."""
        for recipient in recipients:  # one each: LMTP answers DATA once per recipient
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as lmtp:
                lmtp.sendmail(sender, [recipient], data)

    def log(self) -> str:
        """Dovecot's log so far."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop Dovecot and its children (the process group), remove the folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if process is not None and process.stderr is not None:
            process.stderr.close()
        _kill_group_leftovers(process)
        shutil.rmtree(self.root, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _kill_group_leftovers(process: subprocess.Popen[bytes] | None) -> None:
    """Dovecot's children leave with their master; make sure none stays behind."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
