"""Who buys from the demo bakery: customers and suppliers with the role each plays in the demo.

E-mail addresses are made from these on reserved example domains only (example.nl/.com/.org).
"""

from __future__ import annotations

from dataclasses import dataclass

# Roles: paid yesterday in a telling way, overdue by these days, or just a regular customer.
TWO_INVOICES = "two_invoices"
PARTIAL = "partial"
ENGLISH = "english"
LARGE = "large"
NO_EMAIL = "no_email"
USD = "usd"
REFUND = "refund"
ORDINARY = "ordinary"
OVERDUE = "overdue"
OVERDUE_AFTER_PART = "overdue_after_part"  # paid part earlier, the rest is overdue
BLOCKED = "blocked"
LATE_MATCH = "late_match"  # paid three days ago, the receipt matched only yesterday
CREDIT_SETTLED = "credit_settled"  # an invoice settled yesterday by a credit note: no money
REVERSED = "reversed"  # paid yesterday, the bank entry reversed the same day: no money
IN_TRANSIT = "in_transit"  # overdue, its direct-debit collection processed yesterday
FIRST_TIME = "first_time"  # a new customer (since this month) who paid a first invoice yesterday
REGULAR = ""

# Mail setups: "full" account + main contact address, "contact" main contact only, "account"
# account only (no contacts), "business" the main contact's BusinessEmail only, "none" nowhere (a
# main contact without address), "billing" as full plus a billing contact who is the invoices'
# AccountContact.
Name = tuple[str, str]


@dataclass(frozen=True)
class DemoCustomer:
    """One customer of the demo administration."""

    name: str
    language: str
    contact: Name | None
    mail: str
    segment: str
    role: str = REGULAR
    overdue_days: tuple[int, ...] = ()
    billing: Name | None = None
    currency: str = "EUR"


C = DemoCustomer
CUSTOMERS: tuple[DemoCustomer, ...] = (
    C("Café De Zwaan", "NL", ("Anna", "de Vries"), "full", "HORECA", TWO_INVOICES),
    C("Hotel Het Anker", "NL", ("Pieter", "Bakker"), "full", "HORECA", PARTIAL),
    C("The Pancake Corner Ltd", "EN", ("Emma", "Clarke"), "contact", "HORECA", ENGLISH),
    C("Grand Hotel Amstelzicht B.V.", "NL", ("Sanne", "Visser"), "billing", "HORECA", LARGE,
      billing=("Ahmed", "El Amrani")),
    C("Bakkerij Van Dijk", "NL", ("Kees", "van Dijk"), "none", "RETAIL", NO_EMAIL),
    C("Brooklyn Bagel Company Inc.", "EN", ("Michael", "Johnson"), "full", "RETAIL", USD,
      currency="USD"),
    C("Lunchroom Bij Mies", "NL", ("Mies", "Jansen"), "full", "HORECA", REFUND),
    C("Brasserie Het Plein", "NL", ("Daan", "Smit"), "full", "HORECA", ORDINARY),
    C("Koffiebar Bonen & Zo", "NL", ("Lotte", "Meijer"), "contact", "HORECA", ORDINARY),
    C("Restaurant De Molen", "NL", None, "account", "HORECA", ORDINARY),
    C("Strandpaviljoen Zeezicht", "NL", ("Thijs", "de Boer"), "full", "HORECA", OVERDUE, (3,)),
    C("Bistro 't Hoekje", "NL", ("Fleur", "Mulder"), "full", "HORECA", OVERDUE, (8,)),
    C("Kantine Jansen Techniek B.V.", "NL", ("Ruud", "Jansen"), "billing", "ZAKELIJK", OVERDUE,
      (15,), billing=("Wendy", "Hoekstra")),
    C("Café Sonnenschein GmbH", "DE", ("Lukas", "Schneider"), "full", "HORECA",
      OVERDUE_AFTER_PART, (25,)),
    C("Supermarkt Buurtwinkel Oost", "NL", None, "account", "RETAIL", OVERDUE, (40,)),
    C("Hotel Canal View Ltd", "EN", ("Olivia", "Taylor"), "contact", "HORECA", OVERDUE, (70, 12)),
    C("Deli & Co Utrecht", "NL", ("Noor", "Hendriks"), "full", "RETAIL", OVERDUE, (33,)),
    C("Eetcafé De Gouden Leeuw", "NL", ("Bram", "van Leeuwen"), "full", "HORECA", OVERDUE,
      (100, 8)),
    C("Theehuis Rhederoord", "NL", ("Julia", "Bos"), "contact", "HORECA", OVERDUE, (5,)),
    C("Partycentrum De Schakel", "NL", ("Martijn", "Kok"), "full", "ZAKELIJK", BLOCKED, (55,)),
    C("Hotel De Wittenburg", "NL", ("Eva", "Dekker"), "full", "HORECA"),
    C("Bäckerei Müller GmbH", "DE", ("Jonas", "Müller"), "full", "RETAIL"),
    C("Sportkantine VV Oranje", "NL", None, "account", "ZAKELIJK"),
    C("Catering Smaakvol B.V.", "NL", ("Sophie", "van den Berg"), "full", "ZAKELIJK"),
    C("Pannenkoekenhuis De Boerderij", "NL", ("Lars", "Vermeulen"), "full", "HORECA"),
    C("Kinderdagverblijf Het Zonnetje", "NL", ("Iris", "Peters"), "contact", "ZAKELIJK"),
    C("Zorgcentrum De Linde", "NL", ("Hanneke", "Willems"), "billing", "ZAKELIJK",
      billing=("Peter", "de Graaf")),
    C("IJssalon Venezia", "NL", ("Marco", "Rossi"), "full", "RETAIL"),
    C("Restaurant Zeemeeuw", "", None, "account", "HORECA"),
    C("Biologische Winkel De Aarde", "NL", ("Femke", "Koster"), "full", "RETAIL"),
    C("Golfclub De Haar", "NL", ("Willem", "Prins"), "full", "ZAKELIJK"),
    C("Koffiehuis De Markt", "", ("Tim", "Brouwer"), "business", "HORECA"),
    C("The Flying Dutchman Pub", "EN", ("James", "Walker"), "full", "HORECA"),
    C("Hotel Rijnoever", "NL", ("Marloes", "Huisman"), "full", "HORECA"),
    C("Delicatessen Van Rossum", "NL", ("Gijs", "van Rossum"), "full", "RETAIL"),
    C("Stadsschouwburg Foyer B.V.", "NL", None, "account", "ZAKELIJK"),
    C("Hotel Zilt", "NL", ("Roos", "Vos"), "full", "HORECA", LATE_MATCH),
    C("Café Het Wapen", "NL", ("Erik", "Dijkstra"), "full", "HORECA", CREDIT_SETTLED),
    C("Restaurant Het Veerhuis", "NL", ("Anouk", "Smits"), "full", "HORECA", REVERSED),
    C("Camping De Duinen", "NL", ("Ruben", "Kuipers"), "full", "ZAKELIJK", IN_TRANSIT),
    C("Bagelbar Noord", "EN", ("Sara", "Yilmaz"), "contact", "RETAIL", FIRST_TIME),
)  # fmt: skip

SUPPLIERS: tuple[str, ...] = ("Meelfabriek De Hoop B.V.", "Zuivelhandel Van der Meer")

DOMAINS = {"EN": "example.com", "DE": "example.org"}  # everything else: example.nl

DESCRIPTIONS = {
    "EN": "Bread and pastry deliveries week {week}",
    "DE": "Lieferungen Brot und Gebäck KW {week}",
}  # everything else: Dutch
DUTCH_DESCRIPTION = "Leveringen brood en banket week {week}"
