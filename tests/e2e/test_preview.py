"""`followup preview`, as a user runs it: every mail with sample data, and an index page."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from cli_support import followup

ALL = 5 * 2 + 3 * 2 + 2  # confirmation variants and reminder tones in nl and en, two digests


def drafts(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted((folder / "drafts").glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def test_preview_renders_every_kind_language_and_variant_with_an_index(tmp_path: Path) -> None:
    done = followup("preview", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "preview"
    mails = drafts(out)
    assert len(mails) == ALL
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<iframe") == ALL
    assert str((out / "index.html").resolve()) in done.stdout
    for message in mails:
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert message[header], header
        assert message.get_body(preferencelist=("html",)) is not None
    subjects = " | ".join(str(m["Subject"]) for m in mails)
    for expected in ("Aanmaning", "Final reminder", "Terugbetaling", "Bedankt, je betaling"):
        assert expected in subjects
    assert len(list((out / "bodies").glob("*.html"))) == ALL
    assert len(list((out / "bodies").glob("*.txt"))) == ALL


def test_preview_can_be_narrowed_to_one_kind_and_language(tmp_path: Path) -> None:
    done = followup("preview", "--kind", "reminder", "--lang", "en", "--out", "x", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    subjects = [str(m["Subject"]) for m in drafts(tmp_path / "x")]
    assert len(subjects) == 3
    assert all("invoice" in s for s in subjects)


def test_a_second_preview_replaces_the_first(tmp_path: Path) -> None:
    assert followup("preview", cwd=tmp_path).returncode == 0
    done = followup("preview", "--kind", "digest", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(drafts(tmp_path / "preview")) == 2
    assert len(list((tmp_path / "preview" / "bodies").iterdir())) == 4


def test_preview_uses_the_company_templates_and_payment_link_of_a_settings_file(
    tmp_path: Path,
) -> None:
    own = tmp_path / "mijn-templates" / "reminder" / "nl"
    own.mkdir(parents=True)
    (own / "subject.txt.j2").write_text("Openstaand: {{ invoice_numbers|and_list }}\n")
    config = tmp_path / "followup.toml"
    config.write_text(
        '[company]\nname = "Studio Noord B.V."\nfrom_name = "Studio Noord"\n'
        'from_address = "facturen@studio-noord.nl"\nwebsite = "studio-noord.nl"\n'
        '[exact]\nclient_id = "id"\nclient_secret = "secret"\n'
        '[mail]\ntemplates = "mijn-templates"\n'
        'payment_link = "https://pay.studio-noord.nl/{invoice_number}"\n',
        encoding="utf-8",
    )
    done = followup(
        "preview", "--config", str(config), "--kind", "reminder", "--lang", "nl", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    mails = drafts(tmp_path / "preview")
    assert {str(m["From"]) for m in mails} == {"Studio Noord <facturen@studio-noord.nl>"}
    assert all(str(m["Subject"]).startswith("Openstaand: ") for m in mails)
    body = mails[0].get_body(preferencelist=("html",))
    assert body is not None
    assert 'href="https://pay.studio-noord.nl/' in body.get_content()


def test_preview_never_clears_a_folder_it_did_not_write(tmp_path: Path) -> None:
    precious = tmp_path / "outbox" / "drafts" / "real.eml"
    precious.parent.mkdir(parents=True)
    precious.write_text("Subject: a real draft\n\nbody\n")
    done = followup("preview", "--out", "outbox", cwd=tmp_path)
    assert done.returncode == 1
    assert "not written by followup preview" in done.stderr
    assert precious.read_text() == "Subject: a real draft\n\nbody\n"


def test_a_language_without_templates_is_a_clear_error(tmp_path: Path) -> None:
    done = followup("preview", "--lang", "de", cwd=tmp_path)
    assert done.returncode == 1
    assert "no confirmation templates in language 'de'" in done.stderr
    assert "Traceback" not in done.stderr


def test_preview_help_names_every_option(tmp_path: Path) -> None:
    done = followup("preview", "--help", cwd=tmp_path)
    assert done.returncode == 0
    for option in ("--kind", "--lang", "--out", "--config", "sample"):
        assert option in done.stdout
