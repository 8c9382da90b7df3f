"""What the exports of other CRMs call their columns: per-source header presets and detection.

Each :class:`Source` lists the headers one CRM writes in its contact export (or import
template), the target each maps to (``None``: a known column with no API field, left
unmapped with a note saying what to do), and the URL of the documentation the rule comes
from. :func:`detect_source` names the source whose distinctive headers a file has;
``--from NAME`` forces one. Headers are compared as :func:`normalize_header` keys
(casefolded, accents and punctuation removed), so ``Mailing Zip/Postal Code`` and
``mailingzippostalcode`` are the same key.

Columns that combine (see :mod:`bulkio.clean.mapping`): several columns mapped to
``lastName`` or ``address1`` are joined (two surnames; street, number and colonia), several
mapped to ``phone``, ``email`` or ``city`` fall back (the first non-empty one is sent, the
others are reported on the row).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "SOURCES",
    "Source",
    "detect_source",
    "get_source",
    "normalize_header",
    "source_names",
]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_header(text: str) -> str:
    """Casefold, strip accents, punctuation, spaces: ``"Correo-E"`` -> ``"correoe"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", stripped)


#: notes for known columns that have no API field
_FOREIGN_ID = ("the record id of the old CRM means nothing to HighLevel; keep it in a custom "
               "field (e.g. { custom_field = \"Old CRM id\" }) or ignore it")  # fmt: skip
_OWNER = ("an owner name or id of the old CRM, not a HighLevel user id: map it to a custom "
          "field, or set assignedTo in [constants]")  # fmt: skip
_SECOND_ADDRESS = ("a second address set; the API has one address: map these columns to "
                   "custom fields or ignore them")  # fmt: skip
_READ_ONLY = "set by the CRM itself; the API cannot write it: ignore it or keep a custom field"
_STAGE = "a pipeline stage or status of the old CRM: map it to a custom field, or to tags"
_EXTRA_EMAIL = ("the v3 API has one email field (no additionalEmails): map it to a custom "
                "field or a note")  # fmt: skip
_EXTRA_PHONE = ("the v3 API has one phone field (no additionalPhones): map it to a custom "
                "field or a note")  # fmt: skip
_TAX_ID = ("a tax id (RFC, CURP, NIT, CUIT...): map it to a custom field, "
           'e.g. { custom_field = "RFC" }')
_JOB = "no API field for a job title: map it to a custom field"

Rule = str | tuple[None, str]
"""A target, or (None, note) for a known column with no API field."""


@dataclass(frozen=True)
class Source:
    """One CRM's export format."""

    key: str
    label: str
    #: where the header names come from (vendor documentation)
    references: tuple[str, ...]
    #: header (as written in the export) -> target, or (None, note)
    headers: dict[str, Rule]
    #: headers (as written) whose presence points at this source
    signature: tuple[str, ...]
    #: header prefixes the export may add (Pipedrive's "Person - ")
    prefixes: tuple[str, ...] = ()
    _keys: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)
    _sig: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keys", {normalize_header(h): r for h, r in self.headers.items()})
        object.__setattr__(self, "_sig", frozenset(normalize_header(h) for h in self.signature))

    def _key(self, header: str) -> str:
        key = normalize_header(header)
        for prefix in self.prefixes:
            p = normalize_header(prefix)
            if key.startswith(p) and len(key) > len(p):
                return key[len(p) :]
        return key

    def rule(self, header: str) -> Rule | None:
        """The rule for ``header``, or None when this source does not know it."""
        return self._keys.get(self._key(header))

    def hits(self, headers: Iterable[str]) -> int:
        """How many of ``headers`` are distinctive of this source."""
        return sum(1 for h in headers if self._key(h) in self._sig)


# HubSpot: default contact properties as labelled in a contact export.
# https://knowledge.hubspot.com/contacts/hubspots-default-contact-properties
# https://knowledge.hubspot.com/articles/kcs_article/contacts/set-up-your-import-file
HUBSPOT = Source(
    key="hubspot",
    label="HubSpot contact export",
    references=(
        "https://knowledge.hubspot.com/contacts/hubspots-default-contact-properties",
        "https://knowledge.hubspot.com/articles/kcs_article/contacts/set-up-your-import-file",
    ),
    headers={
        "Record ID": (None, _FOREIGN_ID), "First Name": "firstName", "Last Name": "lastName",
        "Email": "email", "Email Address": "email", "Phone Number": "phone",
        "Mobile Phone Number": "phone", "Street Address": "address1", "City": "city",
        "State/Region": "state", "Postal Code": "postalCode", "Zip": "postalCode",
        "Country/Region": "country", "Company Name": "companyName", "Website URL": "website",
        "Date of birth": "dateOfBirth", "Time Zone": "timezone", "Original Source": "source",
        "Contact owner": (None, _OWNER), "Lifecycle Stage": (None, _STAGE),
        "Lead Status": (None, _STAGE), "Job Title": (None, _JOB),
        "Create Date": (None, _READ_ONLY), "Last Activity Date": (None, _READ_ONLY),
        "Associated Company": "companyName", "Fax Number": (None, _EXTRA_PHONE),
    },
    signature=("Record ID", "Country/Region", "State/Region", "Mobile Phone Number",
               "Lifecycle Stage", "Lead Status", "Website URL", "Contact owner",
               "Original Source", "Associated Company"),
)

# Salesforce Contact: field labels (report/Data Export) and API names (Data Loader).
# https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Contact.htm
_SF_REF = ("https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/"
           "salesforce_field_reference_Contact.htm")  # fmt: skip
SALESFORCE = Source(
    key="salesforce",
    label="Salesforce contact export",
    references=(_SF_REF,),
    headers={
        # labels
        "Contact ID": (None, _FOREIGN_ID), "First Name": "firstName", "Last Name": "lastName",
        "Salutation": (None, "a salutation (Mr., Ms.): map it to a custom field"),
        "Email": "email", "Business Phone": "phone", "Phone": "phone", "Mobile": "phone",
        "Mobile Phone": "phone", "Home Phone": "phone", "Other Phone": "phone",
        "Mailing Street": "address1", "Mailing City": "city",
        "Mailing State/Province": "state", "Mailing State": "state",
        "Mailing Zip/Postal Code": "postalCode", "Mailing Postal Code": "postalCode",
        "Mailing Country": "country",
        "Other Street": (None, _SECOND_ADDRESS), "Other City": (None, _SECOND_ADDRESS),
        "Other State/Province": (None, _SECOND_ADDRESS),
        "Other Zip/Postal Code": (None, _SECOND_ADDRESS),
        "Other Country": (None, _SECOND_ADDRESS),
        "Account Name": "companyName", "Birthdate": "dateOfBirth", "Lead Source": "source",
        "Contact Owner": (None, _OWNER), "Title": (None, _JOB),
        "Description": "note", "Contact Description": "note",
        "Business Fax": (None, _EXTRA_PHONE), "Fax": (None, _EXTRA_PHONE),
        "Created Date": (None, _READ_ONLY), "Last Modified Date": (None, _READ_ONLY),
        "Account ID": (None, _FOREIGN_ID),
        # API names
        "Id": (None, _FOREIGN_ID), "FirstName": "firstName", "LastName": "lastName",
        "MobilePhone": "phone", "HomePhone": "phone", "OtherPhone": "phone",
        "MailingStreet": "address1", "MailingCity": "city", "MailingState": "state",
        "MailingPostalCode": "postalCode", "MailingCountry": "country",
        "OtherStreet": (None, _SECOND_ADDRESS), "OtherCity": (None, _SECOND_ADDRESS),
        "OtherState": (None, _SECOND_ADDRESS), "OtherPostalCode": (None, _SECOND_ADDRESS),
        "OtherCountry": (None, _SECOND_ADDRESS), "Account.Name": "companyName",
        "AccountId": (None, _FOREIGN_ID), "LeadSource": "source", "OwnerId": (None, _OWNER),
        "CreatedDate": (None, _READ_ONLY), "LastModifiedDate": (None, _READ_ONLY),
    },
    # only headers Zoho's export does not share (Zoho also writes Mailing Street/City)
    signature=("Mailing State/Province", "Mailing Zip/Postal Code", "MailingStreet",
               "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry",
               "MobilePhone", "LeadSource", "Contact ID", "Birthdate", "AccountId", "OwnerId",
               "OtherStreet", "Business Phone", "Other Zip/Postal Code"),
)

# Zoho CRM Contacts module: field labels as exported.
# https://www.zoho.com/crm/help/api/modules-fields.html
# https://www.zoho.com/crm/help/data-administration/export-data.html
ZOHO = Source(
    key="zoho",
    label="Zoho CRM contact export",
    references=(
        "https://www.zoho.com/crm/help/api/modules-fields.html",
        "https://www.zoho.com/crm/help/data-administration/export-data.html",
    ),
    headers={
        "Record Id": (None, _FOREIGN_ID), "Contact Owner": (None, _OWNER),
        "First Name": "firstName", "Last Name": "lastName", "Email": "email",
        "Secondary Email": (None, _EXTRA_EMAIL), "Phone": "phone", "Mobile": "phone",
        "Home Phone": "phone", "Other Phone": "phone", "Mailing Street": "address1",
        "Mailing City": "city", "Mailing State": "state", "Mailing Zip": "postalCode",
        "Mailing Code": "postalCode", "Mailing Country": "country",
        "Other Street": (None, _SECOND_ADDRESS), "Other City": (None, _SECOND_ADDRESS),
        "Other State": (None, _SECOND_ADDRESS), "Other Zip": (None, _SECOND_ADDRESS),
        "Other Country": (None, _SECOND_ADDRESS), "Account Name": "companyName",
        "Lead Source": "source", "Date of Birth": "dateOfBirth", "Description": "note",
        "Tag": "tags", "Title": (None, _JOB), "Salutation": (None, _JOB.replace(
            "a job title", "a salutation")),
        "Email Opt Out": (None, "an email opt-out flag: map it to dnd only if it means "
                          "do-not-disturb for every channel"),
        "Created Time": (None, _READ_ONLY), "Modified Time": (None, _READ_ONLY),
        "Fax": (None, _EXTRA_PHONE), "Skype ID": (None, _JOB.replace("a job title", "Skype")),
    },
    signature=("Record Id", "Contact Owner", "Secondary Email", "Mailing Zip",
               "Other Zip", "Email Opt Out", "Created Time", "Modified Time", "Skype ID",
               "Tag", "Mailing Code"),
)

# Pipedrive: "Export data" of People; headers carry a "Person - " prefix in older exports.
# https://support.pipedrive.com/en/article/how-can-i-export-my-data
# https://support.pipedrive.com/en/article/importing-data-into-pipedrive-with-spreadsheets
PIPEDRIVE = Source(
    key="pipedrive",
    label="Pipedrive people export",
    references=(
        "https://support.pipedrive.com/en/article/how-can-i-export-my-data",
        "https://support.pipedrive.com/en/article/importing-data-into-pipedrive-with-spreadsheets",
    ),
    headers={
        "ID": (None, _FOREIGN_ID), "Name": "name", "First name": "firstName",
        "Last name": "lastName", "Email - Work": "email", "Email - Home": "email",
        "Email - Other": "email", "Phone - Work": "phone", "Phone - Mobile": "phone",
        "Phone - Home": "phone", "Phone - Other": "phone", "Organization": "companyName",
        "Labels": "tags", "Label": "tags", "Owner": (None, _OWNER),
        "Postal address": (None, "the whole address in one cell; the \"Postal address - "
                           "...\" columns carry its parts"),
        "Postal address - Street/house number": "address1",
        "Postal address - House number": "address1",
        "Postal address - Street/road name": "address1",
        "Postal address - City/town/village/locality": "city",
        "Postal address - State/county": "state",
        "Postal address - ZIP/Postal code": "postalCode",
        "Postal address - Country": "country", "Birthday": "dateOfBirth",
        "Job title": (None, _JOB), "Notes": "note",
        "Person created": (None, _READ_ONLY), "Update time": (None, _READ_ONLY),
        "Open deals": (None, _READ_ONLY), "Closed deals": (None, _READ_ONLY),
        "Visible to": (None, _READ_ONLY),
    },
    signature=("Email - Work", "Email - Home", "Phone - Work", "Phone - Mobile",
               "Phone - Home", "Open deals", "Closed deals", "Visible to", "Person created",
               "Postal address - City/town/village/locality", "Labels"),
    prefixes=("Person - ",),
)

# monday.com board export (Excel) and Airtable CSV: the item name is one full-name column.
# https://support.monday.com/hc/en-us/articles/360002543719-How-to-export-your-entire-account-s-data
# https://support.airtable.com/docs/exporting-data-from-airtable
BOARD = Source(
    key="monday",
    label="monday.com / Airtable board export",
    references=(
        "https://support.monday.com/hc/en-us/articles/360002543719",
        "https://support.airtable.com/docs/exporting-data-from-airtable",
    ),
    headers={
        "Name": "name", "Item ID": (None, _FOREIGN_ID), "Item ID (auto generated)":
        (None, _FOREIGN_ID), "Record ID": (None, _FOREIGN_ID), "Email": "email",
        "Phone": "phone", "Mobile": "phone", "Company": "companyName",
        "Location": (None, "monday's Location column holds a whole address; map it to "
                     "address1 in a --map file if it is a street address"),
        "Status": (None, _STAGE), "Group": (None, _STAGE), "Person": (None, _OWNER),
        "Subitems": (None, "sub-items of the board; not contact data"),
        "Creation log": (None, _READ_ONLY), "Last updated": (None, _READ_ONLY),
        "Created": (None, _READ_ONLY), "Tags": "tags", "Notes": "note",
    },
    signature=("Subitems", "Item ID", "Item ID (auto generated)", "Creation log",
               "Last updated", "Group", "Person"),
)

# Mexican / Latin American ERP and spreadsheet templates (CONTPAQi, Aspel SAE, Alegra,
# SAT-style customer catalogues): names split in paternal/maternal surnames, street +
# exterior/interior number + colonia, municipio, C.P., RFC.
# https://www.contpaqi.com/ (Catálogo de clientes: layout de importación)
# https://www.aspel.com.mx/ (SAE: catálogo de clientes, plantilla Excel)
# Address order as Mexican addresses are written (Correos de México):
# https://www.gob.mx/correosdemexico/articulos/como-escribir-correctamente-una-direccion
MX = Source(
    key="mx",
    label="Mexican ERP / spreadsheet template",
    references=(
        "https://www.gob.mx/correosdemexico/articulos/como-escribir-correctamente-una-direccion",
        "https://www.contpaqi.com/",
        "https://www.aspel.com.mx/",
    ),
    headers={
        "Nombre": "firstName", "Nombre(s)": "firstName", "Nombres": "firstName",
        "Apellido Paterno": "lastName", "Apellido Materno": "lastName",
        "Primer Apellido": "lastName", "Segundo Apellido": "lastName",
        "Calle": "address1", "Domicilio": "address1", "Dirección": "address1",
        "Número Exterior": "address1", "Num Ext": "address1", "No. Ext": "address1",
        "No. Exterior": "address1", "Número Interior": "address1", "Num Int": "address1",
        "No. Int": "address1", "No. Interior": "address1", "Colonia": "address1",
        "Municipio": "city", "Delegación": "city", "Alcaldía": "city",
        "Municipio/Alcaldía": "city", "Ciudad": "city", "Localidad": "city",
        "Estado": "state", "Entidad Federativa": "state", "C.P.": "postalCode",
        "CP": "postalCode", "Código Postal": "postalCode", "País": "country",
        "Celular": "phone", "Teléfono Celular": "phone", "Móvil": "phone",
        "Teléfono Fijo": "phone", "Teléfono": "phone", "Teléfono Casa": "phone",
        "Teléfono Oficina": "phone", "Correo": "email", "Correo Electrónico": "email",
        "E-mail": "email", "Email": "email",
        "RFC": (None, _TAX_ID), "CURP": (None, _TAX_ID),
        "Razón Social": "companyName", "Empresa": "companyName",
        "Fecha de Nacimiento": "dateOfBirth", "Observaciones": "note", "Notas": "note",
        "Régimen Fiscal": (None, "the tax regime of the SAT catalogue: map it to a custom field"),
        "Uso CFDI": (None, "the CFDI use of the SAT catalogue: map it to a custom field"),
        "Clave": (None, _FOREIGN_ID), "Clave Cliente": (None, _FOREIGN_ID),
        "No. Cliente": (None, _FOREIGN_ID),
    },
    signature=("Apellido Paterno", "Apellido Materno", "Colonia", "Municipio", "C.P.",
               "RFC", "CURP", "Teléfono Fijo", "Número Exterior", "Num Ext", "No. Ext",
               "Número Interior", "Delegación", "Alcaldía", "Razón Social", "Celular",
               "Uso CFDI", "Régimen Fiscal"),
)

# HighLevel's own contact export and its import template ("Business Name" is the label of
# the contact's companyName; custom fields are exported under their names).
# https://help.gohighlevel.com/support/solutions/articles/155000005143-csv-file-format-for-importing-contacts-and-opportunities
# https://help.gohighlevel.com/support/solutions/articles/48001164158-how-to-export-contacts
HIGHLEVEL = Source(
    key="highlevel",
    label="HighLevel contact export",
    references=(
        "https://help.gohighlevel.com/support/solutions/articles/155000005143",
        "https://help.gohighlevel.com/support/solutions/articles/48001164158",
    ),
    headers={
        "Contact Id": "contact_id", "First Name": "firstName", "Last Name": "lastName",
        "Name": "name", "Full Name": "name", "Email": "email", "Phone": "phone",
        "Business Name": "companyName", "Company Name": "companyName", "Company": "companyName",
        "Address": "address1", "Street Address": "address1", "City": "city",
        "State": "state", "Postal Code": "postalCode", "Country": "country",
        "Website": "website", "Timezone": "timezone", "Date of Birth": "dateOfBirth",
        "Source": "source", "Tags": "tags", "DND": "dnd",
        "Additional Emails": (None, _EXTRA_EMAIL), "Additional Phones": (None, _EXTRA_PHONE),
        "Additional Phone": (None, _EXTRA_PHONE),
        "Created": (None, _READ_ONLY), "Created Date": (None, _READ_ONLY),
        "Date Created": (None, _READ_ONLY), "Last Activity": (None, _READ_ONLY),
        "Date Updated": (None, _READ_ONLY),
        "Status": (None, _STAGE), "Opportunities": (None, _STAGE),
    },
    signature=("Contact Id", "Business Name", "Additional Emails", "Additional Phones",
               "Additional Phone", "Last Activity", "Date Created", "DND"),
)

#: every source, in the order detection breaks ties
SOURCES: tuple[Source, ...] = (HUBSPOT, SALESFORCE, ZOHO, PIPEDRIVE, BOARD, MX, HIGHLEVEL)
#: names --from accepts (with aliases)
_ALIASES = {"airtable": "monday", "latam": "mx", "erp": "mx", "gohighlevel": "highlevel",
            "ghl": "highlevel", "leadconnector": "highlevel"}  # fmt: skip
#: distinctive headers a file needs for a source to be detected
MIN_HITS = 2


def source_names() -> list[str]:
    """Names ``--from`` accepts."""
    return [s.key for s in SOURCES] + sorted(_ALIASES)


def get_source(name: str) -> Source:
    """The source called ``name`` (or an alias). Raises KeyError."""
    key = _ALIASES.get(name.casefold(), name.casefold())
    for source in SOURCES:
        if source.key == key:
            return source
    raise KeyError(name)


def detect_source(headers: Sequence[str]) -> tuple[Source | None, int]:
    """(source, distinctive headers found): the source with the most distinctive headers
    among ``headers`` when it has at least :data:`MIN_HITS` and no other source has as many."""
    scored = sorted(((s.hits(headers), i) for i, s in enumerate(SOURCES)), reverse=True)
    best, index = scored[0]
    if best < MIN_HITS or (len(scored) > 1 and scored[1][0] == best):
        return None, best
    return SOURCES[index], best
