"""The built-in instruments: PHQ-9 (depression) and GAD-7 (anxiety), in English and Spanish.

The item wording is the published wording (PHQ-9 and GAD-7 by Drs. Robert L. Spitzer, Janet B.W.
Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc.; no permission
required to reproduce, translate, display or distribute), US English and the US Spanish version.
It is kept here, not in the translation files, so nobody retranslates a validated instrument.

Each item is answered 0-3; the total is their sum and falls in a published severity band.
PHQ-9 item 9 (thoughts of being better off dead or of self-harm) above 0 needs a person at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    key: str
    label: Promise


@dataclass(frozen=True)
class Instrument:
    key: str
    loinc_total: str
    total_display: str
    stem: tuple[str, str]  # (English, Spanish)
    items: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, str], ...]  # the 0-3 scale's words
    bands: tuple[Band, ...]
    # The item whose answer above 0 alerts staff at once (1-based), if any.
    safety_item: int | None = None

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if get_language() == "es" else pair[0]

    def question_stem(self) -> str:
        return self._pick(self.stem)

    def questions(self) -> list[tuple[int, str]]:
        return [(number, self._pick(item)) for number, item in enumerate(self.items, start=1)]

    def scale(self) -> list[tuple[int, str]]:
        return [(value, self._pick(words)) for value, words in enumerate(self.options)]

    def score(self, answers: dict[int, int]) -> int:
        return sum(answers[number] for number in range(1, len(self.items) + 1))

    def band(self, score: int) -> Band:
        return next(band for band in self.bands if band.low <= score <= band.high)

    def needs_safety_follow_up(self, answers: dict[int, int]) -> bool:
        return self.safety_item is not None and answers.get(self.safety_item, 0) > 0


OPTIONS_PHQ = (
    ("Not at all", "Ningún día"),
    ("Several days", "Varios días"),
    ("More than half the days", "Más de la mitad de los días"),
    ("Nearly every day", "Casi todos los días"),
)
OPTIONS_GAD = (("Not at all", "Nunca"), *OPTIONS_PHQ[1:])

PHQ9 = Instrument(
    key="phq9",
    loinc_total="44261-6",
    total_display="PHQ-9 total score",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?",
    ),
    items=(
        ("Little interest or pleasure in doing things", "Poco interés o placer en hacer cosas"),
        ("Feeling down, depressed, or hopeless", "Se ha sentido decaído(a), deprimido(a) o sin esperanzas"),
        (
            "Trouble falling or staying asleep, or sleeping too much",
            "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
        ),
        ("Feeling tired or having little energy", "Se ha sentido cansado(a) o con poca energía"),
        ("Poor appetite or overeating", "Sin apetito o ha comido en exceso"),
        (
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted mismo(a)"
            " o con su familia",
        ),
        (
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico o ver"
            " la televisión",
        ),
        (
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so"
            " fidgety or restless that you have been moving around a lot more than usual",
            "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – muy"
            " inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
        ),
        (
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
        ),
    ),
    options=OPTIONS_PHQ,
    bands=(
        Band(0, 4, "minimal", _("Minimal or none")),
        Band(5, 9, "mild", _("Mild")),
        Band(10, 14, "moderate", _("Moderate")),
        Band(15, 19, "moderately_severe", _("Moderately severe")),
        Band(20, 27, "severe", _("Severe")),
    ),
    safety_item=9,
)

GAD7 = Instrument(
    key="gad7",
    loinc_total="70274-6",
    total_display="GAD-7 total score",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by the following problems?",
        "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los siguientes problemas?",
    ),
    items=(
        ("Feeling nervous, anxious, or on edge", "Sentirse nervioso(a), ansioso(a) o con los nervios de punta"),
        (
            "Not being able to stop or control worrying",
            "No poder dejar de preocuparse o no poder controlar la preocupación",
        ),
        ("Worrying too much about different things", "Preocuparse demasiado por diferentes cosas"),
        ("Trouble relaxing", "Dificultad para relajarse"),
        (
            "Being so restless that it is hard to sit still",
            "Estar tan inquieto(a) que es difícil permanecer sentado(a) tranquilamente",
        ),
        ("Becoming easily annoyed or irritable", "Molestarse o ponerse irritable fácilmente"),
        ("Feeling afraid, as if something awful might happen", "Sentir miedo como si algo terrible fuera a pasar"),
    ),
    options=OPTIONS_GAD,
    bands=(
        Band(0, 4, "minimal", _("Minimal")),
        Band(5, 9, "mild", _("Mild")),
        Band(10, 14, "moderate", _("Moderate")),
        Band(15, 21, "severe", _("Severe")),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.key: PHQ9, GAD7.key: GAD7}
