"""Small built-in lists from which believable, fictional people and addresses are assembled.

No external data: names are common given names and surnames per language, streets and cities are
generic, e-mail domains are the reserved ``example.*`` ones and phone numbers come from ranges set
aside for fiction (NANP 555-0100..0199, UK Ofcom 07700 900xxx), so nothing here reaches a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FIRST_NAMES", "LAST_NAMES", "PersonName", "fictional_address", "fictional_phone", "person_name"]

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Olivia", "James", "Amelia", "Oliver", "Emily", "Jack", "Grace", "Harry", "Chloe", "George",
           "Sophie", "Noah", "Hannah", "Liam", "Ava", "Ethan", "Mia", "Daniel", "Ruby", "Samuel",
           "Priya", "Mohammed", "Aisha", "Wei", "Chidi", "Maya", "Tom", "Laura", "David", "Sarah"),
    "es": ("Lucía", "Hugo", "Sofía", "Mateo", "Martina", "Pablo", "María", "Daniel", "Paula", "Alejandro",
           "Valeria", "Diego", "Carmen", "Javier", "Elena", "Carlos", "Isabel", "Manuel", "Ana", "Sergio"),
    "fr": ("Camille", "Louis", "Léa", "Gabriel", "Manon", "Jules", "Chloé", "Arthur", "Inès", "Hugo",
           "Juliette", "Lucas", "Louise", "Nathan", "Alice", "Théo", "Emma", "Raphaël", "Zoé", "Paul"),
    "de": ("Mia", "Leon", "Emma", "Finn", "Hannah", "Paul", "Lena", "Jonas", "Lea", "Felix",
           "Anna", "Lukas", "Marie", "Elias", "Sophie", "Maximilian", "Laura", "Jan", "Klara", "Tim"),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
           "Robinson", "Thompson", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
           "Clarke", "Khan", "Okafor", "Chen", "Murphy", "O'Brien", "Campbell", "Nguyen", "Evans", "Baker"),
    "es": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Romero", "Navarro"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Fournier"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun"),
}

_STREETS: dict[str, tuple[str, ...]] = {
    "en": ("High Street", "Station Road", "Church Lane", "Park Avenue", "Mill Road", "Victoria Street",
           "Oak Drive", "Maple Close", "King's Road", "Riverside Walk"),
    "es": ("Calle Mayor", "Calle del Sol", "Avenida de la Paz", "Calle Real", "Plaza España"),
    "fr": ("Rue de la Paix", "Avenue Victor Hugo", "Rue du Moulin", "Boulevard Voltaire", "Rue des Lilas"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schulstraße"),
}

_CITIES: dict[str, tuple[str, ...]] = {
    "en": ("Springfield", "Riverton", "Fairview", "Kingsbridge", "Ashford", "Brookfield", "Lakeside"),
    "es": ("Villanueva", "San Martín", "Valdemar", "Puerto Claro"),
    "fr": ("Villeneuve", "Saint-Clair", "Beaumont", "Montfort"),
    "de": ("Neustadt", "Bergheim", "Lindenau", "Waldbrück"),
}

_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_US_AREA_CODES = ("202", "212", "312", "415", "503", "617", "713", "808")


@dataclass(frozen=True, slots=True)
class PersonName:
    first: str
    last: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    def email(self, serial: int) -> str:
        """An address on a reserved domain; ``serial`` keeps two namesakes apart."""
        local = f"{self.first}.{self.last}".lower().replace("'", "").replace(" ", "")
        local = local.encode("ascii", "ignore").decode() or "customer"
        return f"{local}{serial}@{_EMAIL_DOMAINS[serial % len(_EMAIL_DOMAINS)]}"


def person_name(rng: np.random.Generator, language: str) -> PersonName:
    """A first and last name plausible for a speaker of ``language`` (English lists otherwise)."""
    firsts = FIRST_NAMES.get(language, FIRST_NAMES["en"])
    lasts = LAST_NAMES.get(language, LAST_NAMES["en"])
    return PersonName(str(firsts[rng.integers(len(firsts))]), str(lasts[rng.integers(len(lasts))]))


def fictional_phone(rng: np.random.Generator, language: str) -> str:
    """A number from a range reserved for fiction: UK drama numbers for English half the time."""
    if language == "en" and rng.random() < 0.5:
        return f"+44 7700 900{rng.integers(1000):03d}"
    area = _US_AREA_CODES[rng.integers(len(_US_AREA_CODES))]
    return f"+1-{area}-555-01{rng.integers(100):02d}"


def fictional_address(rng: np.random.Generator, language: str) -> str:
    """A one-line postal address: house number, street, postcode-like code and city."""
    streets = _STREETS.get(language, _STREETS["en"])
    cities = _CITIES.get(language, _CITIES["en"])
    street = streets[rng.integers(len(streets))]
    city = cities[rng.integers(len(cities))]
    number = int(rng.integers(1, 240))
    code = f"{rng.integers(10000, 99999)}"
    if language == "en":
        return f"{number} {street}, {city} {code}"
    return f"{street} {number}, {code} {city}"
