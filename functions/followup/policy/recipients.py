"""Who a mail goes to: the receivable's contact, else the account, else the main contact."""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from followup import reasons
from followup.model import Account, Contact, DivisionData, Receivable, Recipient
from followup.settings import Languages


def find_recipient(
    data: DivisionData, account_id: str, contact_ids: Iterable[str], languages: Languages
) -> tuple[Recipient | None, str]:
    """The receivable's contact, else the account's e-mail, else the main contact's."""
    account = data.accounts.get(account_id)
    if account is None:
        return None, reasons.ACCOUNT_NOT_FOUND
    main = data.contacts.get(account.main_contact_id or "")
    candidates: list[tuple[str, Contact | None]] = []
    for contact_id in contact_ids:
        contact = data.contacts.get(contact_id)
        if contact is not None:
            candidates.append((contact.email, contact))
    candidates.append((account.email, main if main and _same(main.email, account.email) else None))
    if main is not None:
        candidates.append((main.email, main))

    invalid = ""
    for address, person in candidates:
        address = address.strip()
        if not address:
            continue
        try:
            normalized = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            invalid = invalid or address
            continue
        return _recipient(account, person, normalized, languages), ""
    if invalid:
        return None, reasons.invalid_email(invalid)
    return None, reasons.NO_EMAIL


def _recipient(
    account: Account, person: Contact | None, address: str, languages: Languages
) -> Recipient:
    language = (person.language if person and person.language else "") or account.language
    first = person.first_name.strip() if person else ""
    name = f"{person.first_name} {person.last_name}".strip() if person else account.name
    return Recipient(
        email=address,
        name=name or account.name,
        first_name=first,
        language=languages.for_exact(language),
    )


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().lower() == b.strip().lower()


def contacts_of(lines: Iterable[Receivable]) -> list[str]:
    """The contact persons named on these lines, in order, once each."""
    seen: dict[str, None] = {}
    for line in lines:
        if line.contact_id:
            seen.setdefault(line.contact_id, None)
    return list(seen)
