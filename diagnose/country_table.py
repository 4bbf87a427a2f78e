"""A static table of countries: ISO code, calling code, continent, dialing prefixes, English name.

Generated once from ``phonenumbers`` (its supported regions and English names),
so that neither the simulator nor a diagnosis has to import phonenumbers' large
geocoding data just to name a country. Continents use the
upper-snake spelling of the voice API example (``NORTH_AMERICA``). For NANP
countries other than the US and Canada, the dialing prefixes are the area codes
(``+1787``, ``+1939`` for Puerto Rico), because each is its own country in geo
permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Which countries are high-risk (Console-only) or blocked is knowledge, not part of this table:
# knowledge/countries.yaml, read through diagnose.countries.country_data().


@dataclass(frozen=True)
class Country:
    """One country as the geo-permission APIs describe it."""

    iso: str
    calling_code: int
    continent: str
    prefixes: tuple[str, ...]
    name: str


# iso|calling code|continent|dialing prefixes|name
_TABLE = """\
AC|247|AFRICA|+247|Ascension Island
AD|376|EUROPE|+376|Andorra
AE|971|ASIA|+971|United Arab Emirates
AF|93|ASIA|+93|Afghanistan
AG|1|NORTH_AMERICA|+1268|Antigua and Barbuda
AI|1|NORTH_AMERICA|+1264|Anguilla
AL|355|EUROPE|+355|Albania
AM|374|ASIA|+374|Armenia
AO|244|AFRICA|+244|Angola
AR|54|SOUTH_AMERICA|+54|Argentina
AS|1|OCEANIA|+1684|American Samoa
AT|43|EUROPE|+43|Austria
AU|61|OCEANIA|+61|Australia
AW|297|NORTH_AMERICA|+297|Aruba
AX|358|EUROPE|+358|Åland Islands
AZ|994|ASIA|+994|Azerbaijan
BA|387|EUROPE|+387|Bosnia and Herzegovina
BB|1|NORTH_AMERICA|+1246|Barbados
BD|880|ASIA|+880|Bangladesh
BE|32|EUROPE|+32|Belgium
BF|226|AFRICA|+226|Burkina Faso
BG|359|EUROPE|+359|Bulgaria
BH|973|ASIA|+973|Bahrain
BI|257|AFRICA|+257|Burundi
BJ|229|AFRICA|+229|Benin
BL|590|NORTH_AMERICA|+590|Saint Barthélemy
BM|1|NORTH_AMERICA|+1441|Bermuda
BN|673|ASIA|+673|Brunei
BO|591|SOUTH_AMERICA|+591|Bolivia
BQ|599|NORTH_AMERICA|+599|Bonaire, Sint Eustatius and Saba
BR|55|SOUTH_AMERICA|+55|Brazil
BS|1|NORTH_AMERICA|+1242|Bahamas
BT|975|ASIA|+975|Bhutan
BW|267|AFRICA|+267|Botswana
BY|375|EUROPE|+375|Belarus
BZ|501|NORTH_AMERICA|+501|Belize
CA|1|NORTH_AMERICA|+1|Canada
CC|61|OCEANIA|+61|Cocos Islands
CD|243|AFRICA|+243|The Democratic Republic Of Congo
CF|236|AFRICA|+236|Central African Republic
CG|242|AFRICA|+242|Congo
CH|41|EUROPE|+41|Switzerland
CI|225|AFRICA|+225|Côte d'Ivoire
CK|682|OCEANIA|+682|Cook Islands
CL|56|SOUTH_AMERICA|+56|Chile
CM|237|AFRICA|+237|Cameroon
CN|86|ASIA|+86|China
CO|57|SOUTH_AMERICA|+57|Colombia
CR|506|NORTH_AMERICA|+506|Costa Rica
CU|53|NORTH_AMERICA|+53|Cuba
CV|238|AFRICA|+238|Cape Verde
CW|599|NORTH_AMERICA|+599|Curaçao
CX|61|OCEANIA|+61|Christmas Island
CY|357|EUROPE|+357|Cyprus
CZ|420|EUROPE|+420|Czech Republic
DE|49|EUROPE|+49|Germany
DJ|253|AFRICA|+253|Djibouti
DK|45|EUROPE|+45|Denmark
DM|1|NORTH_AMERICA|+1767|Dominica
DO|1|NORTH_AMERICA|+1809 +1829 +1849|Dominican Republic
DZ|213|AFRICA|+213|Algeria
EC|593|SOUTH_AMERICA|+593|Ecuador
EE|372|EUROPE|+372|Estonia
EG|20|AFRICA|+20|Egypt
EH|212|AFRICA|+212|Western Sahara
ER|291|AFRICA|+291|Eritrea
ES|34|EUROPE|+34|Spain
ET|251|AFRICA|+251|Ethiopia
FI|358|EUROPE|+358|Finland
FJ|679|OCEANIA|+679|Fiji
FK|500|SOUTH_AMERICA|+500|Falkland Islands
FM|691|OCEANIA|+691|Micronesia
FO|298|EUROPE|+298|Faroe Islands
FR|33|EUROPE|+33|France
GA|241|AFRICA|+241|Gabon
GB|44|EUROPE|+44|United Kingdom
GD|1|NORTH_AMERICA|+1473|Grenada
GE|995|ASIA|+995|Georgia
GF|594|SOUTH_AMERICA|+594|French Guiana
GG|44|EUROPE|+44|Guernsey
GH|233|AFRICA|+233|Ghana
GI|350|EUROPE|+350|Gibraltar
GL|299|NORTH_AMERICA|+299|Greenland
GM|220|AFRICA|+220|Gambia
GN|224|AFRICA|+224|Guinea
GP|590|NORTH_AMERICA|+590|Guadeloupe
GQ|240|AFRICA|+240|Equatorial Guinea
GR|30|EUROPE|+30|Greece
GT|502|NORTH_AMERICA|+502|Guatemala
GU|1|OCEANIA|+1671|Guam
GW|245|AFRICA|+245|Guinea-Bissau
GY|592|SOUTH_AMERICA|+592|Guyana
HK|852|ASIA|+852|Hong Kong
HN|504|NORTH_AMERICA|+504|Honduras
HR|385|EUROPE|+385|Croatia
HT|509|NORTH_AMERICA|+509|Haiti
HU|36|EUROPE|+36|Hungary
ID|62|ASIA|+62|Indonesia
IE|353|EUROPE|+353|Ireland
IL|972|ASIA|+972|Israel
IM|44|EUROPE|+44|Isle Of Man
IN|91|ASIA|+91|India
IO|246|ASIA|+246|British Indian Ocean Territory
IQ|964|ASIA|+964|Iraq
IR|98|ASIA|+98|Iran
IS|354|EUROPE|+354|Iceland
IT|39|EUROPE|+39|Italy
JE|44|EUROPE|+44|Jersey
JM|1|NORTH_AMERICA|+1658 +1876|Jamaica
JO|962|ASIA|+962|Jordan
JP|81|ASIA|+81|Japan
KE|254|AFRICA|+254|Kenya
KG|996|ASIA|+996|Kyrgyzstan
KH|855|ASIA|+855|Cambodia
KI|686|OCEANIA|+686|Kiribati
KM|269|AFRICA|+269|Comoros
KN|1|NORTH_AMERICA|+1869|Saint Kitts And Nevis
KP|850|ASIA|+850|North Korea
KR|82|ASIA|+82|South Korea
KW|965|ASIA|+965|Kuwait
KY|1|NORTH_AMERICA|+1345|Cayman Islands
KZ|7|ASIA|+7|Kazakhstan
LA|856|ASIA|+856|Laos
LB|961|ASIA|+961|Lebanon
LC|1|NORTH_AMERICA|+1758|Saint Lucia
LI|423|EUROPE|+423|Liechtenstein
LK|94|ASIA|+94|Sri Lanka
LR|231|AFRICA|+231|Liberia
LS|266|AFRICA|+266|Lesotho
LT|370|EUROPE|+370|Lithuania
LU|352|EUROPE|+352|Luxembourg
LV|371|EUROPE|+371|Latvia
LY|218|AFRICA|+218|Libya
MA|212|AFRICA|+212|Morocco
MC|377|EUROPE|+377|Monaco
MD|373|EUROPE|+373|Moldova
ME|382|EUROPE|+382|Montenegro
MF|590|NORTH_AMERICA|+590|Saint Martin
MG|261|AFRICA|+261|Madagascar
MH|692|OCEANIA|+692|Marshall Islands
MK|389|EUROPE|+389|Macedonia
ML|223|AFRICA|+223|Mali
MM|95|ASIA|+95|Myanmar
MN|976|ASIA|+976|Mongolia
MO|853|ASIA|+853|Macao
MP|1|OCEANIA|+1670|Northern Mariana Islands
MQ|596|NORTH_AMERICA|+596|Martinique
MR|222|AFRICA|+222|Mauritania
MS|1|NORTH_AMERICA|+1664|Montserrat
MT|356|EUROPE|+356|Malta
MU|230|AFRICA|+230|Mauritius
MV|960|ASIA|+960|Maldives
MW|265|AFRICA|+265|Malawi
MX|52|NORTH_AMERICA|+52|Mexico
MY|60|ASIA|+60|Malaysia
MZ|258|AFRICA|+258|Mozambique
NA|264|AFRICA|+264|Namibia
NC|687|OCEANIA|+687|New Caledonia
NE|227|AFRICA|+227|Niger
NF|672|OCEANIA|+672|Norfolk Island
NG|234|AFRICA|+234|Nigeria
NI|505|NORTH_AMERICA|+505|Nicaragua
NL|31|EUROPE|+31|Netherlands
NO|47|EUROPE|+47|Norway
NP|977|ASIA|+977|Nepal
NR|674|OCEANIA|+674|Nauru
NU|683|OCEANIA|+683|Niue
NZ|64|OCEANIA|+64|New Zealand
OM|968|ASIA|+968|Oman
PA|507|NORTH_AMERICA|+507|Panama
PE|51|SOUTH_AMERICA|+51|Peru
PF|689|OCEANIA|+689|French Polynesia
PG|675|OCEANIA|+675|Papua New Guinea
PH|63|ASIA|+63|Philippines
PK|92|ASIA|+92|Pakistan
PL|48|EUROPE|+48|Poland
PM|508|NORTH_AMERICA|+508|Saint Pierre And Miquelon
PR|1|NORTH_AMERICA|+1787 +1939|Puerto Rico
PS|970|ASIA|+970|Palestine
PT|351|EUROPE|+351|Portugal
PW|680|OCEANIA|+680|Palau
PY|595|SOUTH_AMERICA|+595|Paraguay
QA|974|ASIA|+974|Qatar
RE|262|AFRICA|+262|Reunion
RO|40|EUROPE|+40|Romania
RS|381|EUROPE|+381|Serbia
RU|7|EUROPE|+7|Russia
RW|250|AFRICA|+250|Rwanda
SA|966|ASIA|+966|Saudi Arabia
SB|677|OCEANIA|+677|Solomon Islands
SC|248|AFRICA|+248|Seychelles
SD|249|AFRICA|+249|Sudan
SE|46|EUROPE|+46|Sweden
SG|65|ASIA|+65|Singapore
SH|290|AFRICA|+290|Saint Helena
SI|386|EUROPE|+386|Slovenia
SJ|47|EUROPE|+47|Svalbard And Jan Mayen
SK|421|EUROPE|+421|Slovakia
SL|232|AFRICA|+232|Sierra Leone
SM|378|EUROPE|+378|San Marino
SN|221|AFRICA|+221|Senegal
SO|252|AFRICA|+252|Somalia
SR|597|SOUTH_AMERICA|+597|Suriname
SS|211|AFRICA|+211|South Sudan
ST|239|AFRICA|+239|Sao Tome And Principe
SV|503|NORTH_AMERICA|+503|El Salvador
SX|1|NORTH_AMERICA|+1721|Sint Maarten (Dutch part)
SY|963|ASIA|+963|Syria
SZ|268|AFRICA|+268|Swaziland
TA|290|AFRICA|+290|Tristan da Cunha
TC|1|NORTH_AMERICA|+1649|Turks And Caicos Islands
TD|235|AFRICA|+235|Chad
TG|228|AFRICA|+228|Togo
TH|66|ASIA|+66|Thailand
TJ|992|ASIA|+992|Tajikistan
TK|690|OCEANIA|+690|Tokelau
TL|670|ASIA|+670|Timor-Leste
TM|993|ASIA|+993|Turkmenistan
TN|216|AFRICA|+216|Tunisia
TO|676|OCEANIA|+676|Tonga
TR|90|ASIA|+90|Turkey
TT|1|NORTH_AMERICA|+1868|Trinidad and Tobago
TV|688|OCEANIA|+688|Tuvalu
TW|886|ASIA|+886|Taiwan
TZ|255|AFRICA|+255|Tanzania
UA|380|EUROPE|+380|Ukraine
UG|256|AFRICA|+256|Uganda
US|1|NORTH_AMERICA|+1|United States
UY|598|SOUTH_AMERICA|+598|Uruguay
UZ|998|ASIA|+998|Uzbekistan
VA|39|EUROPE|+39|Vatican
VC|1|NORTH_AMERICA|+1784|Saint Vincent And The Grenadines
VE|58|SOUTH_AMERICA|+58|Venezuela
VG|1|NORTH_AMERICA|+1284|British Virgin Islands
VI|1|NORTH_AMERICA|+1340|U.S. Virgin Islands
VN|84|ASIA|+84|Vietnam
VU|678|OCEANIA|+678|Vanuatu
WF|681|OCEANIA|+681|Wallis And Futuna
WS|685|OCEANIA|+685|Samoa
XK|383|EUROPE|+383|Kosovo
YE|967|ASIA|+967|Yemen
YT|262|AFRICA|+262|Mayotte
ZA|27|AFRICA|+27|South Africa
ZM|260|AFRICA|+260|Zambia
ZW|263|AFRICA|+263|Zimbabwe
"""


@cache
def countries() -> dict[str, Country]:
    """Every known country by ISO code, in ISO order."""
    table: dict[str, Country] = {}
    for line in _TABLE.splitlines():
        iso, code, continent, prefixes, name = line.split("|")
        table[iso] = Country(iso, int(code), continent, tuple(prefixes.split()), name)
    return table


# Voice dialing permissions: countries that share another country's entry. Twilio's voice spec
# (twilio_voice_v1.json, the example for GET /v1/DialingPermissions/Countries/US) shows one entry
# "United States/Canada" for +1, so Canada has no entry of its own. Which other NANP members have
# entries of their own is not documented: diagnose reads their own ISO code and handles a 404.
VOICE_SHARED_ENTRIES: dict[str, str] = {"CA": "US"}
VOICE_ENTRY_NAMES: dict[str, str] = {"US": "United States/Canada"}


def voice_entry(iso: str) -> str:
    """The voice dialing-permission entry that governs calls to ``iso`` (``CA`` → ``US``)."""
    return VOICE_SHARED_ENTRIES.get(iso, iso)


def voice_entry_named(iso: str) -> str:
    """`` (Twilio's US entry, United States/Canada)`` for a country without a voice entry of its own, else ``""``."""
    entry = voice_entry(iso)
    return "" if entry == iso else f" (Twilio's {entry} entry, {VOICE_ENTRY_NAMES.get(entry, entry)})"


@cache
def voice_countries() -> dict[str, Country]:
    """The voice dialing-permission entries as the simulator serves them: no ``CA``, ``US`` covers +1."""
    table: dict[str, Country] = {}
    for iso, country in countries().items():
        if iso in VOICE_SHARED_ENTRIES:
            continue
        name = VOICE_ENTRY_NAMES.get(iso, country.name)
        table[iso] = Country(iso, country.calling_code, country.continent, country.prefixes, name)
    return table
