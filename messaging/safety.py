"""The safety screen: words in a patient's message that suggest an emergency, in English and Spanish.

A message is not an emergency service, so before one is sent its subject and text are screened.
`screen(text)` returns the red-flag groups it found (e.g. ["chest_pain"]). The screen is applied
by the services, not the pages, so every way in gets it (page, JSON API, check-in answers, notes):
`require_confirmed(*texts, confirmed=...)` refuses with `Unconfirmed` (which carries the emergency
guidance) until the sender has confirmed every finding; the page shows the guidance and a "Send
it anyway" button, the API answers 422 with it. A thread sent anyway is urgent, goes to nurse
triage (messaging.services.routing) and carries the groups in `Thread.safety_flags` so staff see why.

How text is matched. Case and accents are folded ("Dolor de PECHO", "no puedo respirar",
"me desmayé" -> "me desmaye"), apostrophes dropped ("can't" -> "cant"), and every other
character that is not a letter or a digit becomes a space. A pattern matches whole words only:
"stroke" matches "I think it's a stroke" but not "heatstroke" or "stroked", "fit" is not a
pattern at all.

Negation is deliberately NOT understood: "no chest pain" still flags chest_pain. Telling "no
chest pain since Monday" from "no, chest pain again" reliably is beyond a word list, and the
two mistakes do not cost the same: a false alarm costs the patient one more click ("Send it
anyway"), a missed emergency can cost a life.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.services.errors import ServiceError

# Patterns are regular expressions over the folded text (lower case, no accents, no
# apostrophes, single spaces), so they are written that way: "corazon", not "corazón".
# `\s` is never needed: words are separated by exactly one space after folding.
RED_FLAGS: dict[str, tuple[str, ...]] = {
    "chest_pain": (
        # English
        r"chest (pain|pains|pressure|tightness|tight|hurts|hurting)",
        r"(pain|pressure|tightness) in (my|the|his|her) chest",
        r"crushing (pain|chest)",
        r"heart attack",
        # Spanish
        r"dolor (de|en el) pecho",
        r"(presion|opresion) (en el|de) pecho",
        r"(me|le) duele (el|mucho el) pecho",
        r"ataque (al|de) corazon",
        r"infarto",
    ),
    "breathing": (
        r"(trouble|difficulty|problems?) breathing",
        r"(hard|difficult) to breathe",
        r"(cant|cannot|can not|couldnt|unable to) breathe",
        r"(not|stopped|isnt|wasnt) breathing",
        r"gasping( for (air|breath))?",
        r"struggling to breathe",
        r"(severe|severely|very) short(ness)? of breath",
        r"choking",
        r"no (puedo|puede|podia) respirar",
        r"dificultad (para|al) respirar",
        r"(me|le) falta (el )?aire",
        r"(me|se) (ahogo|ahoga|esta ahogando)",
        r"no respira",
    ),
    "stroke": (
        r"stroke",
        r"(face|mouth|smile) (is )?(drooping|droopy|droops|drooped)",
        r"drooping (face|mouth|smile)",
        r"slurred speech|slurring|speech is slurred",
        r"(weakness|numbness|numb|weak) (on|in) one side",
        r"one side of (my|his|her|the) (body|face)",
        r"derrame cerebral",
        r"ictus",
        r"embolia",
        r"(cara|boca) (caida|torcida)",
        r"se (me|le) cae (la cara|la boca|un lado)",
        r"(habla|hablar) (arrastrada|arrastrando|enredada)",
        r"arrastra las palabras",
        r"(debilidad|adormecimiento|entumecimiento) (en|de) un lado",
        r"un lado del cuerpo",
    ),
    "suicide": (
        r"suicide|suicidal",
        r"kill (myself|my self)",
        r"(want|wanna|going) to die",
        r"end (my|it all|my own) life|end it all",
        r"take my (own )?life",
        r"(hurt|harm|cut) (myself|my self)",
        r"self harm",
        r"better off dead",
        r"no reason to live",
        r"suicid(arme|arse|io|a)",
        r"(quiero|quisiera) (morir|morirme|matarme)",
        r"matarme",
        r"quitarme la vida",
        r"(hacerme|me hago) dano",
        r"no quiero (vivir|seguir viviendo)",
    ),
    "bleeding": (
        r"(severe|heavy|heavily|uncontrolled|lots of|a lot of) bleeding",
        r"bleeding (heavily|a lot|badly|wont stop|will not stop|that wont stop)",
        r"(cant|cannot|can not) stop (the )?bleeding",
        r"(vomiting|throwing up|coughing up|coughing) blood",
        r"sangrado (abundante|fuerte|mucho|grave|que no para)",
        r"mucha sangre",
        r"no (para|deja) de sangrar",
        r"(vomito|vomitando|tosiendo|toso) sangre",
    ),
    "overdose": (
        r"overdose|overdosed|overdosing",
        r"took too (many|much)",
        r"too many (pills|tablets)",
        r"poisoned|poisoning",
        r"sobredosis",
        r"(tome|tomo|tomamos) demasiad(as|os|o|a)",
        r"demasiadas (pastillas|pildoras)",
        r"envenenad(o|a)|envenenamiento|intoxicacion",
    ),
    "seizure": (
        r"seizures?|seizing",
        r"convulsions?|convulsing",
        r"convulsion(es)?|convulsionando|convulsiona",
        r"(ataque|crisis) epileptic(o|a)",
    ),
    "anaphylaxis": (
        r"anaphylaxis|anaphylactic",
        r"throat (is )?(swelling|swollen|closing|closing up|tight)",
        r"(swollen|swelling) (throat|tongue)",
        r"tongue (is )?(swelling|swollen)",
        r"anafilaxia|anafilactic(o|a)",
        r"garganta (hinchada|inflamada|cerrada)",
        r"se (me|le) (cierra|hincha) la garganta",
        r"(hinchazon|inflamacion) de (la )?(garganta|lengua)",
        r"lengua hinchada",
    ),
    "unconscious": (
        r"unconscious",
        r"passed out|passing out",
        r"fainted|fainting",
        r"blacked out",
        r"unresponsive",
        r"(wont|will not|cant|cannot) wake (up|him|her)",
        r"not waking up",
        r"inconsciente",
        r"(me|se) desmay(e|o|a)",
        r"desmayo|desmayada|desmayado",
        r"perdi(o)? el conocimiento",
        r"no (responde|despierta)",
    ),
}

# What the patient is told we noticed, one line per group.
FLAG_LABELS: dict[str, Promise] = {
    "chest_pain": _("chest pain or pressure"),
    "breathing": _("trouble breathing"),
    "stroke": _("signs of a stroke"),
    "suicide": _("thoughts of suicide or hurting yourself"),
    "bleeding": _("heavy bleeding"),
    "overdose": _("an overdose or poisoning"),
    "seizure": _("a seizure"),
    "anaphylaxis": _("a severe allergic reaction"),
    "unconscious": _("fainting or passing out"),
}

_COMPILED: dict[str, re.Pattern[str]] = {
    group: re.compile(r"\b(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + r")\b")
    for group, patterns in RED_FLAGS.items()
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, anything but letters and digits a single space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).strip()


def screen(*texts: str) -> list[str]:
    """The red-flag groups found in any of `texts`, in the order of RED_FLAGS (empty: none)."""
    folded = " | ".join(fold(text) for text in texts)
    return [group for group, pattern in _COMPILED.items() if pattern.search(folded)]


def labels(flags: list[str]) -> list[Promise]:
    """What each flag means, in words for the patient (unknown flags are skipped)."""
    return [FLAG_LABELS[flag] for flag in flags if flag in FLAG_LABELS]


def checked(flags: list[str] | None) -> list[str]:
    """`flags` without repeats, each a group of RED_FLAGS (anything else is a programming error:
    staff pages read the stored groups)."""
    unique = list(dict.fromkeys(flags or []))
    unknown = [flag for flag in unique if flag not in RED_FLAGS]
    if unknown:
        raise ValueError(f"unknown safety flags: {unknown}")
    return unique


# -- the screen as a service check: every caller of a service that takes a patient's words ---------

# The form fields of "Send it anyway": the button, and the findings the sender was shown.
SEND_ANYWAY = "send_anyway"
SCREENED = "screened"


def guidance(flags: list[str]) -> str:
    """The emergency guidance for these findings, in one paragraph (for the API and logs-free
    refusals; the pages show the same words laid out with call buttons)."""
    parts = [
        gettext("Your words mention %(signs)s. This may be an emergency.")
        % {"signs": ", ".join(str(label) for label in labels(flags))},
        gettext("If this is happening now, do not wait for an answer: call 911 or go to the nearest emergency room."),
    ]
    if "suicide" in flags:
        parts.append(
            gettext(
                "If you are thinking about suicide or hurting yourself, call or text 988 now, any time, day or "
                "night (Suicide and Crisis Lifeline; Spanish spoken)."
            )
        )
    parts.append(
        gettext(
            "Messages are not an emergency service: nobody may read yours for hours. If you still want to send "
            "it, confirm these findings and the clinic will treat it as urgent."
        )
    )
    return " ".join(parts)


class Unconfirmed(ServiceError):
    """The words suggest an emergency and the sender has not confirmed every finding yet:
    nothing was written. `flags` are all the findings (to show, and to confirm)."""

    def __init__(self, flags: list[str]) -> None:
        super().__init__(guidance(flags))
        self.flags = flags

    @property
    def labels(self) -> list[Promise]:
        return labels(self.flags)


def require_confirmed(*texts: str, confirmed: Collection[str] = ()) -> list[str]:
    """The findings in `texts`, once the sender has confirmed each of them (`confirmed`: the
    findings they were shown and sent anyway); `Unconfirmed` otherwise. A finding they were not
    shown (words added after the guidance) asks again; confirming words no longer flagged is
    harmless."""
    flags = screen(*texts)
    if not set(flags) <= set(confirmed):
        raise Unconfirmed(flags)
    return flags


def confirmed_in(data: Mapping[str, str]) -> list[str]:
    """The findings a submitted form confirms: those shown with it, if "Send it anyway" was pressed."""
    if SEND_ANYWAY not in data:
        return []
    return data.get(SCREENED, "").split()
