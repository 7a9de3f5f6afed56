"""Plain-language explanations of common lab results and vital signs, in English and Spanish.

This is general educational content for patients, written for plain language (short sentences, everyday
words, about a 6th-grade reading level) and, in Spanish, for US clinics ("usted" forms). It explains what a
test measures and what a high or low result *usually* means; it is not a diagnosis and not advice for any one
patient. The patient's own care team interprets each result.

Which codes: the LOINC codes were chosen by counting every Observation (and blood-pressure component) in the
Synthea sample data (``/work/shared/data/synthea-r4-bundles``) and taking the lab and vital-sign codes, most
common first: the vital signs, basic and comprehensive metabolic panels, lipid panel, hemoglobin A1c, complete
blood count, eGFR, and the less common heart, lung and colon-screening results found there. Survey and
social-history items (such as tobacco smoking status or questionnaire scores) and pathology measurements are
left out. Common vital signs that the sample happened not to contain (heart rate, breathing rate, body
temperature, oxygen level) and the thyroid test TSH were added. Urinalysis did not appear in the sample.

Each explanation carries two next steps: ``next_step`` is the default guidance when a result is flagged
abnormal (H or L), and ``critical_next_step`` when it is flagged critically abnormal (HH or LL). ``GUIDANCE``
holds the sentence the patient sees for each.

Before a clinic goes live, its clinicians must review this text (and the next steps) against their own lab
reference ranges, critical-value policy and after-hours process. Local reference ranges always win over the
example numbers given here, which are typical US adult values.

This module has no dependencies beyond the standard library and does not touch Django models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

# Next steps, from least to most urgent.
ROUTINE: Final = "routine"
MESSAGE: Final = "message"
CALL: Final = "call"
EMERGENCY: Final = "emergency"
NEXT_STEPS: Final[tuple[str, ...]] = (ROUTINE, MESSAGE, CALL, EMERGENCY)

LANGUAGES: Final[tuple[str, ...]] = ("en", "es")
DEFAULT_LANGUAGE: Final = "en"
TEXT_FIELDS: Final[tuple[str, ...]] = ("name", "measures", "high", "low")
NEXT_STEP_FIELDS: Final[tuple[str, ...]] = ("next_step", "critical_next_step")

Pair = tuple[str, str]  # (English, Spanish)

GUIDANCE: Final[dict[str, dict[str, str]]] = {
    ROUTINE: {
        "en": (
            "This is usually not urgent. You can talk about it at your next visit. If you have questions before "
            "then, send a message to your care team."
        ),
        "es": (
            "Por lo general, esto no es urgente. Puede hablar de esto en su próxima cita. Si tiene preguntas antes, "
            "envíe un mensaje a su equipo de atención médica."
        ),
    },
    MESSAGE: {
        "en": (
            "Please send a message to your care team about this result. They will tell you if you need to do anything."
        ),
        "es": (
            "Por favor, envíe un mensaje a su equipo de atención médica sobre este resultado. Ellos le dirán si "
            "necesita hacer algo."
        ),
    },
    CALL: {
        "en": (
            "Please call the clinic today about this result. If the clinic is closed, call the after-hours number. "
            "If you feel very unwell, call 911."
        ),
        "es": (
            "Por favor, llame hoy a la clínica sobre este resultado. Si la clínica está cerrada, llame al número "
            "para después del horario de atención. Si se siente muy mal, llame al 911."
        ),
    },
    EMERGENCY: {
        "en": (
            "This result can be dangerous. If you feel very unwell, call 911 or go to the nearest emergency "
            "department now. If you feel OK, call the clinic right away. If you cannot reach the clinic, go to the "
            "emergency department."
        ),
        "es": (
            "Este resultado puede ser peligroso. Si se siente muy mal, llame al 911 o vaya ahora a la sala de "
            "emergencias más cercana. Si se siente bien, llame a la clínica de inmediato. Si no puede comunicarse "
            "con la clínica, vaya a la sala de emergencias."
        ),
    },
}

# Shown with every explanation.
DISCLAIMER: Final[dict[str, str]] = {
    "en": (
        "This is general information, not a diagnosis. Your care team knows your health history and will tell "
        "you what your result means for you."
    ),
    "es": (
        "Esta es información general, no un diagnóstico. Su equipo de atención médica conoce su historial de "
        "salud y le dirá qué quiere decir su resultado para usted."
    ),
}


def normalize_language(language: str | None) -> str:
    """``"es-MX"``, ``"es_US"`` or ``"ES"`` -> ``"es"``; empty -> the default language."""
    if not language:
        return DEFAULT_LANGUAGE
    return language.strip().replace("_", "-").split("-", 1)[0].lower() or DEFAULT_LANGUAGE


def guidance(next_step: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The patient-facing sentence for a next step, in `language` (English when that language is missing)."""
    sentences = GUIDANCE[next_step]
    return sentences.get(normalize_language(language)) or sentences[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Explanation:
    """What one test measures and what a high or low result usually means, by language code."""

    loinc: str
    name: dict[str, str]
    measures: dict[str, str]
    high: dict[str, str]
    low: dict[str, str]
    next_step: str
    critical_next_step: str

    def __post_init__(self) -> None:
        for field in TEXT_FIELDS:
            if not getattr(self, field).get(DEFAULT_LANGUAGE):
                raise ValueError(f"{self.loinc}: {field} has no {DEFAULT_LANGUAGE!r} text")
        for field in NEXT_STEP_FIELDS:
            if getattr(self, field) not in NEXT_STEPS:
                raise ValueError(f"{self.loinc}: {field} must be one of {NEXT_STEPS}")
        if NEXT_STEPS.index(self.critical_next_step) < NEXT_STEPS.index(self.next_step):
            raise ValueError(f"{self.loinc}: critical_next_step is less urgent than next_step")

    def text(self, field: str, language: str | None = DEFAULT_LANGUAGE) -> str:
        """`field` ("name", "measures", "high", "low", or a next-step field for its guidance sentence) in
        `language`, falling back to English when that language is missing."""
        if field in NEXT_STEP_FIELDS:
            return guidance(getattr(self, field), language)
        if field not in TEXT_FIELDS:
            raise ValueError(f"unknown field {field!r}; expected one of {TEXT_FIELDS + NEXT_STEP_FIELDS}")
        texts: dict[str, str] = getattr(self, field)
        return texts.get(normalize_language(language)) or texts[DEFAULT_LANGUAGE]


def _entry(
    loinc: str,
    *,
    name: Pair,
    measures: Pair,
    high: Pair,
    low: Pair,
    next_step: str,
    critical_next_step: str,
) -> Explanation:
    """One explanation from (English, Spanish) pairs."""

    def by_language(pair: Pair) -> dict[str, str]:
        return dict(zip(LANGUAGES, pair, strict=True))

    return Explanation(
        loinc=loinc,
        name=by_language(name),
        measures=by_language(measures),
        high=by_language(high),
        low=by_language(low),
        next_step=next_step,
        critical_next_step=critical_next_step,
    )


# Text shared by more than one code.
_TEMPERATURE_HIGH: Pair = (
    "A temperature of 100.4°F (38°C) or higher is a fever, often caused by an infection such as a cold or the flu. "
    "Call the clinic if it is 103°F (39.4°C) or higher, lasts more than 3 days, or you have a weak immune system. "
    "For a baby under 3 months old, call right away for any fever. Call 911 if a fever comes with a stiff neck, "
    "confusion, trouble breathing, chest pain, or a seizure.",
    "Una temperatura de 100.4 °F (38 °C) o más es fiebre, y muchas veces se debe a una infección como un resfriado "
    "o la gripe. Llame a la clínica si llega a 103 °F (39.4 °C) o más, si dura más de 3 días o si usted tiene las "
    "defensas bajas. Si un bebé de menos de 3 meses tiene cualquier fiebre, llame de inmediato. Llame al 911 si la "
    "fiebre viene con cuello rígido, confusión, dificultad para respirar, dolor de pecho o convulsiones.",
)
_TEMPERATURE_LOW: Pair = (
    "A temperature only a little below normal is usually not a concern. A temperature below 95°F (35°C) is too low "
    "(hypothermia) and can be dangerous. Call 911 if a low temperature comes with confusion, strong shivering, or "
    "great sleepiness.",
    "Una temperatura solo un poco más baja de lo normal por lo general no es motivo de preocupación. Una "
    "temperatura menor de 95 °F (35 °C) es demasiado baja (hipotermia) y puede ser peligrosa. Llame al 911 si la "
    "temperatura baja viene con confusión, temblores fuertes o mucho sueño.",
)
_OXYGEN_HIGH: Pair = (
    "A high oxygen level is usually not a concern; readings near 100% are normal. If you use oxygen at home, your "
    "care team may give you a target range to stay in.",
    "Un nivel alto de oxígeno por lo general no es motivo de preocupación; los valores cerca de 100 % son normales. "
    "Si usa oxígeno en casa, su equipo de atención médica puede darle un rango que debe mantener.",
)
_OXYGEN_LOW: Pair = (
    "A level below 95% can mean your lungs or heart are not getting enough oxygen to your body. Some people with "
    "long-term lung disease normally have lower levels; your care team can tell you what is normal for you. Call "
    "911 if you have trouble breathing, chest pain, or confusion, or your lips or face look blue or gray.",
    "Un nivel menor de 95 % puede querer decir que sus pulmones o su corazón no están llevando suficiente oxígeno "
    "al cuerpo. Algunas personas con enfermedades de los pulmones de larga duración normalmente tienen niveles más "
    "bajos; su equipo de atención médica le puede decir qué es normal para usted. Llame al 911 si tiene dificultad "
    "para respirar, dolor de pecho o confusión, o si sus labios o su cara se ven azules o grises.",
)

_ENTRIES: Final[tuple[Explanation, ...]] = (
    # 55284-4: Blood pressure systolic and diastolic (panel)
    _entry(
        "55284-4",
        name=("Blood pressure", "Presión arterial"),
        measures=(
            "How hard your blood pushes against the walls of your blood vessels. It is written as two numbers, like "
            "120/80. The top number is the pressure when your heart beats. The bottom number is the pressure when "
            "your heart rests between beats.",
            "La fuerza con la que la sangre empuja las paredes de sus vasos sanguíneos. Se escribe con dos números, "
            "como 120/80. El número de arriba es la presión cuando el corazón late. El número de abajo es la "
            "presión cuando el corazón descansa entre latidos.",
        ),
        high=(
            "High blood pressure often has no symptoms, but over time it can harm your heart, brain, kidneys and "
            "eyes. One high reading does not always mean you have high blood pressure, so it is often checked "
            "again. If your blood pressure is 180/120 or higher and you have chest pain, shortness of breath, back "
            "pain, numbness, weakness, or trouble seeing or speaking, call 911.",
            "La presión alta muchas veces no causa síntomas, pero con el tiempo puede dañar el corazón, el cerebro, "
            "los riñones y los ojos. Una sola medida alta no siempre quiere decir que usted tiene presión alta, por "
            "eso muchas veces se vuelve a medir. Si su presión es de 180/120 o más y tiene dolor de pecho, falta de "
            "aire, dolor de espalda, adormecimiento, debilidad, o problemas para ver o hablar, llame al 911.",
        ),
        low=(
            "Low blood pressure is often normal for people who feel well. If it is low and you feel dizzy, "
            "lightheaded or faint, tell your care team. If you faint, have chest pain, or feel confused, call 911.",
            "La presión baja muchas veces es normal en personas que se sienten bien. Si está baja y usted se siente "
            "mareado o como si se fuera a desmayar, avísele a su equipo de atención médica. Si se desmaya, tiene "
            "dolor de pecho o se siente confundido, llame al 911.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 8480-6: Systolic blood pressure (component of the panel)
    _entry(
        "8480-6",
        name=("Systolic blood pressure (top number)", "Presión arterial sistólica (número de arriba)"),
        measures=(
            "The top number of your blood pressure. It is the pressure in your blood vessels when your heart beats. "
            "For most adults, a top number under 120 is normal.",
            "El número de arriba de su presión arterial. Es la presión en sus vasos sanguíneos cuando el corazón "
            "late. Para la mayoría de los adultos, un número de arriba menor de 120 es normal.",
        ),
        high=(
            "A top number of 130 or higher is in the high blood pressure range, but one reading is not enough to "
            "know, so it is often checked again. Over time, high blood pressure can harm your heart, brain, kidneys "
            "and eyes. If it is 180 or higher and you have chest pain, shortness of breath, numbness, weakness, or "
            "trouble seeing or speaking, call 911.",
            "Un número de arriba de 130 o más está en el rango de presión alta, pero una sola medida no es "
            "suficiente para saberlo, por eso muchas veces se vuelve a medir. Con el tiempo, la presión alta puede "
            "dañar el corazón, el cerebro, los riñones y los ojos. Si es de 180 o más y tiene dolor de pecho, falta "
            "de aire, adormecimiento, debilidad, o problemas para ver o hablar, llame al 911.",
        ),
        low=(
            "A low top number (for example, under 90) may be normal if you feel well. If you feel dizzy, "
            "lightheaded or faint, tell your care team. If you faint, have chest pain, or feel confused, call 911.",
            "Un número de arriba bajo (por ejemplo, menor de 90) puede ser normal si usted se siente bien. Si se "
            "siente mareado o como si se fuera a desmayar, avísele a su equipo de atención médica. Si se desmaya, "
            "tiene dolor de pecho o se siente confundido, llame al 911.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 8462-4: Diastolic blood pressure (component of the panel)
    _entry(
        "8462-4",
        name=("Diastolic blood pressure (bottom number)", "Presión arterial diastólica (número de abajo)"),
        measures=(
            "The bottom number of your blood pressure. It is the pressure in your blood vessels when your heart "
            "rests between beats. For most adults, a bottom number under 80 is normal.",
            "El número de abajo de su presión arterial. Es la presión en sus vasos sanguíneos cuando el corazón "
            "descansa entre latidos. Para la mayoría de los adultos, un número de abajo menor de 80 es normal.",
        ),
        high=(
            "A bottom number of 80 or higher is in the high blood pressure range, but one reading is not enough to "
            "know, so it is often checked again. If it is 120 or higher and you have chest pain, shortness of "
            "breath, numbness, weakness, or trouble seeing or speaking, call 911.",
            "Un número de abajo de 80 o más está en el rango de presión alta, pero una sola medida no es suficiente "
            "para saberlo, por eso muchas veces se vuelve a medir. Si es de 120 o más y tiene dolor de pecho, falta "
            "de aire, adormecimiento, debilidad, o problemas para ver o hablar, llame al 911.",
        ),
        low=(
            "A low bottom number (for example, under 60) may be normal if you feel well. If you feel dizzy, "
            "lightheaded or faint, tell your care team. If you faint, have chest pain, or feel confused, call 911.",
            "Un número de abajo bajo (por ejemplo, menor de 60) puede ser normal si usted se siente bien. Si se "
            "siente mareado o como si se fuera a desmayar, avísele a su equipo de atención médica. Si se desmaya, "
            "tiene dolor de pecho o se siente confundido, llame al 911.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 8867-4: Heart rate
    _entry(
        "8867-4",
        name=("Heart rate (pulse)", "Frecuencia cardíaca (pulso)"),
        measures=(
            "How many times your heart beats in one minute. For most adults at rest, a normal heart rate is 60 to "
            "100 beats a minute. Children have faster heart rates.",
            "Cuántas veces late su corazón en un minuto. Para la mayoría de los adultos en reposo, lo normal es de "
            "60 a 100 latidos por minuto. Los niños tienen el pulso más rápido.",
        ),
        high=(
            "A fast heart rate (over 100 at rest, for adults) can be caused by exercise, fever, pain, stress or "
            "caffeine. Not drinking enough fluids, some medicines, or a heart rhythm problem can also cause it. "
            "Call 911 if a fast heartbeat comes with chest pain, fainting, or trouble breathing.",
            "Un pulso rápido (más de 100 en reposo, en adultos) puede deberse al ejercicio, la fiebre, el dolor, el "
            "estrés o la cafeína. También puede deberse a no tomar suficientes líquidos, algunas medicinas o un "
            "problema del ritmo del corazón. Llame al 911 si el pulso rápido viene con dolor de pecho, desmayo o "
            "dificultad para respirar.",
        ),
        low=(
            "A slow heart rate (under 60, for adults) is often normal in people who are fit and during sleep. It "
            "can also be caused by some medicines or a heart problem. Tell your care team if you feel dizzy or very "
            "tired. Call 911 if a slow heartbeat comes with fainting, chest pain, confusion, or trouble breathing.",
            "Un pulso lento (menos de 60, en adultos) muchas veces es normal en personas en buena forma física y "
            "durante el sueño. También puede deberse a algunas medicinas o a un problema del corazón. Avísele a su "
            "equipo de atención médica si se siente mareado o muy cansado. Llame al 911 si el pulso lento viene con "
            "desmayo, dolor de pecho, confusión o dificultad para respirar.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 9279-1: Respiratory rate
    _entry(
        "9279-1",
        name=("Breathing rate", "Frecuencia respiratoria (respiraciones por minuto)"),
        measures=(
            "How many breaths you take in one minute while resting. For most adults, a normal breathing rate is "
            "about 12 to 20 breaths a minute. Children breathe faster.",
            "Cuántas veces respira usted en un minuto mientras descansa. Para la mayoría de los adultos, lo normal "
            "es de unas 12 a 20 respiraciones por minuto. Los niños respiran más rápido.",
        ),
        high=(
            "Fast breathing can be caused by fever, pain, worry, exercise, or a lung or heart problem. Call 911 if "
            "you are struggling to breathe, cannot speak in full sentences, or your lips or face look blue or gray.",
            "Respirar rápido puede deberse a la fiebre, el dolor, los nervios, el ejercicio o un problema de los "
            "pulmones o del corazón. Llame al 911 si le cuesta mucho respirar, no puede decir frases completas o "
            "sus labios o su cara se ven azules o grises.",
        ),
        low=(
            "Slow breathing can be caused by some medicines, such as opioid pain medicines or sleeping pills, or by "
            "other health problems. Call 911 if someone is breathing very slowly, or is very sleepy and hard to "
            "wake up.",
            "Respirar lento puede deberse a algunas medicinas, como los opioides para el dolor o las pastillas para "
            "dormir, o a otros problemas de salud. Llame al 911 si alguien respira muy lento, o tiene mucho sueño y "
            "cuesta despertarlo.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 8310-5: Body temperature
    _entry(
        "8310-5",
        name=("Body temperature", "Temperatura del cuerpo"),
        measures=(
            "How warm your body is. It is checked to look for fever, which is often a sign of infection. A normal "
            "temperature is about 98.6°F (37°C), but it can be a little higher or lower and still be normal.",
            "Qué tan caliente está su cuerpo. Se mide para ver si tiene fiebre, que muchas veces es señal de una "
            "infección. Una temperatura normal es de unos 98.6 °F (37 °C), pero puede ser un poco más alta o más "
            "baja y aun así ser normal.",
        ),
        high=_TEMPERATURE_HIGH,
        low=_TEMPERATURE_LOW,
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 8331-1: Oral temperature
    _entry(
        "8331-1",
        name=("Temperature (by mouth)", "Temperatura (tomada en la boca)"),
        measures=(
            "Your body temperature, taken with a thermometer in your mouth. It is checked to look for fever, which "
            "is often a sign of infection. A normal temperature is about 98.6°F (37°C), but it can be a little "
            "higher or lower and still be normal.",
            "Su temperatura del cuerpo, tomada con un termómetro en la boca. Se mide para ver si tiene fiebre, que "
            "muchas veces es señal de una infección. Una temperatura normal es de unos 98.6 °F (37 °C), pero puede "
            "ser un poco más alta o más baja y aun así ser normal.",
        ),
        high=_TEMPERATURE_HIGH,
        low=_TEMPERATURE_LOW,
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 2708-6: Oxygen saturation in arterial blood (Synthea also uses it for pulse oximetry)
    _entry(
        "2708-6",
        name=("Oxygen level in the blood", "Nivel de oxígeno en la sangre"),
        measures=(
            "How much oxygen your red blood cells are carrying, shown as a percent of the most they can carry. For "
            "most healthy people it is 95% to 100%.",
            "Cuánto oxígeno llevan sus glóbulos rojos, como porcentaje de lo máximo que pueden llevar. En la "
            "mayoría de las personas sanas es de 95 % a 100 %.",
        ),
        high=_OXYGEN_HIGH,
        low=_OXYGEN_LOW,
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 59408-5: Oxygen saturation in arterial blood by pulse oximetry
    _entry(
        "59408-5",
        name=("Oxygen level (finger clip)", "Nivel de oxígeno (medido en el dedo)"),
        measures=(
            "How much oxygen your blood is carrying, measured with a small clip on your finger (a pulse oximeter). "
            "For most healthy people it is 95% to 100%. Cold hands, nail polish and darker skin can make the "
            "reading less accurate. On darker skin, it can read higher than the real level.",
            "Cuánto oxígeno lleva su sangre, medido con una pequeña pinza en el dedo (oxímetro de pulso). En la "
            "mayoría de las personas sanas es de 95 % a 100 %. Las manos frías, el esmalte de uñas y la piel más "
            "oscura pueden hacer que la medida sea menos exacta. En la piel más oscura, puede marcar más alto de lo "
            "real.",
        ),
        high=_OXYGEN_HIGH,
        low=_OXYGEN_LOW,
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 29463-7: Body weight
    _entry(
        "29463-7",
        name=("Weight", "Peso"),
        measures=(
            "How much you weigh. Changes in weight over time can show changes in your health, and the dose of some "
            "medicines depends on weight.",
            "Cuánto pesa usted. Los cambios de peso con el tiempo pueden mostrar cambios en su salud, y la dosis de "
            "algunas medicinas depende del peso.",
        ),
        high=(
            "A weight above the healthy range for your height can raise the risk of diabetes, high blood pressure, "
            "heart disease and joint pain. Fast weight gain can be a sign of fluid build-up. If you gain 2 to 3 "
            "pounds in a day or 5 pounds in a week and have swelling or shortness of breath, call the clinic.",
            "Un peso más alto del rango saludable para su estatura puede aumentar el riesgo de diabetes, presión "
            "alta, enfermedades del corazón y dolor en las articulaciones. Subir de peso rápido puede ser señal de "
            "que se está acumulando líquido. Si sube de 2 a 3 libras en un día o 5 libras en una semana y tiene "
            "hinchazón o falta de aire, llame a la clínica.",
        ),
        low=(
            "A weight below the healthy range, or losing weight without trying, can be a sign of not getting enough "
            "food or of an illness. Tell your care team if you are losing weight without trying.",
            "Un peso más bajo del rango saludable, o bajar de peso sin intentarlo, puede ser señal de que no está "
            "comiendo lo suficiente o de una enfermedad. Avísele a su equipo de atención médica si está bajando de "
            "peso sin intentarlo.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 8302-2: Body height
    _entry(
        "8302-2",
        name=("Height", "Estatura"),
        measures=(
            "How tall you are. Height is used with your weight to work out your body mass index (BMI), and for "
            "children it shows how they are growing.",
            "Cuánto mide usted. La estatura se usa con su peso para calcular su índice de masa corporal (IMC) y, en "
            "los niños, muestra cómo están creciendo.",
        ),
        high=(
            "Being tall is usually not a health problem. For children, height is compared with other children of "
            "the same age and sex. If the number looks wrong, it may be a mistake in measuring or typing; let your "
            "care team know.",
            "Ser alto por lo general no es un problema de salud. En los niños, la estatura se compara con la de "
            "otros niños de la misma edad y sexo. Si el número parece equivocado, puede ser un error al medir o al "
            "escribirlo; avísele a su equipo de atención médica.",
        ),
        low=(
            "Being short is usually not a health problem. In children, growing more slowly than expected can be a "
            "reason to check further. In adults, losing height over time can be a sign of weak bones "
            "(osteoporosis); ask about it at your next visit.",
            "Ser bajo de estatura por lo general no es un problema de salud. En los niños, crecer más despacio de "
            "lo esperado puede ser una razón para hacer más pruebas. En los adultos, perder estatura con el tiempo "
            "puede ser señal de huesos débiles (osteoporosis); pregunte sobre esto en su próxima cita.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 39156-5: Body mass index (BMI)
    _entry(
        "39156-5",
        name=("Body mass index (BMI)", "Índice de masa corporal (IMC)"),
        measures=(
            "A number that compares your weight with your height. It is a quick way to see if your weight may "
            "affect your health. It does not measure body fat directly, so it can be less accurate for very "
            "muscular people, older adults and during pregnancy. Children's BMI is compared with other children of "
            "the same age and sex.",
            "Un número que compara su peso con su estatura. Es una forma rápida de ver si su peso puede afectar su "
            "salud. No mide la grasa del cuerpo directamente, así que puede ser menos exacto en personas muy "
            "musculosas, en adultos mayores y durante el embarazo. El IMC de los niños se compara con el de otros "
            "niños de la misma edad y sexo.",
        ),
        high=(
            "For adults, a BMI of 25 to 29.9 is called overweight, and 30 or higher is called obesity. A high BMI "
            "can raise the risk of diabetes, high blood pressure, heart disease and other health problems. Your "
            "care team can help you make a plan that fits you.",
            "En los adultos, un IMC de 25 a 29.9 se considera sobrepeso, y de 30 o más se considera obesidad. Un "
            "IMC alto puede aumentar el riesgo de diabetes, presión alta, enfermedades del corazón y otros "
            "problemas de salud. Su equipo de atención médica le puede ayudar a hacer un plan a su medida.",
        ),
        low=(
            "For adults, a BMI under 18.5 is called underweight. It can mean you are not getting enough nutrition, "
            "or it can be a sign of an illness. Talk with your care team, especially if you are losing weight "
            "without trying.",
            "En los adultos, un IMC menor de 18.5 se considera bajo peso. Puede querer decir que no está recibiendo "
            "suficiente nutrición, o puede ser señal de una enfermedad. Hable con su equipo de atención médica, "
            "sobre todo si está bajando de peso sin intentarlo.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 72514-3: Pain severity - 0-10 verbal numeric rating [Score] - Reported
    _entry(
        "72514-3",
        name=("Pain score (0 to 10)", "Nivel de dolor (del 0 al 10)"),
        measures=(
            "How much pain you said you had, on a scale from 0 (no pain) to 10 (the worst pain you can imagine). It "
            "helps your care team follow your pain and see if treatment is working.",
            "Cuánto dolor dijo usted que tenía, en una escala del 0 (nada de dolor) al 10 (el peor dolor que se "
            "pueda imaginar). Ayuda a su equipo de atención médica a seguir su dolor y ver si el tratamiento "
            "funciona.",
        ),
        high=(
            "A higher number means more pain. If your pain is strong, is getting worse, or keeps you from sleeping "
            "or doing daily tasks, tell your care team. Sudden, severe pain in the chest, belly or head needs "
            "emergency care: call 911.",
            "Un número más alto quiere decir más dolor. Si su dolor es fuerte, está empeorando o no le deja dormir "
            "o hacer sus actividades diarias, avísele a su equipo de atención médica. Un dolor fuerte y repentino "
            "en el pecho, el abdomen o la cabeza necesita atención de emergencia: llame al 911.",
        ),
        low=(
            "A low number means little or no pain. A low score is not a concern.",
            "Un número bajo quiere decir poco o nada de dolor. Un puntaje bajo no es motivo de preocupación.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 2339-0: Glucose [Mass/volume] in Blood
    _entry(
        "2339-0",
        name=("Blood sugar (glucose)", "Azúcar en la sangre (glucosa)"),
        measures=(
            "The amount of sugar (glucose) in your blood. Glucose is your body's main source of energy. This test "
            "checks for diabetes and helps people with diabetes manage it.",
            "La cantidad de azúcar (glucosa) en su sangre. La glucosa es la principal fuente de energía del cuerpo. "
            "Esta prueba sirve para detectar la diabetes y ayuda a las personas con diabetes a controlarla.",
        ),
        high=(
            "High blood sugar can be a sign of diabetes or prediabetes. If you had not eaten for at least 8 hours, "
            "100 to 125 mg/dL is in the prediabetes range, and 126 or higher may mean diabetes. The test is usually "
            "done again to be sure. Blood sugar can also go up after eating, with illness or stress, or with some "
            "medicines, such as steroids. Very high blood sugar with strong thirst, peeing a lot, vomiting or "
            "confusion needs care right away.",
            "El azúcar alta en la sangre puede ser señal de diabetes o prediabetes. Si no había comido en por lo "
            "menos 8 horas, de 100 a 125 mg/dL está en el rango de prediabetes, y 126 o más puede indicar diabetes. "
            "Por lo general se repite la prueba para estar seguros. El azúcar también puede subir después de comer, "
            "con una enfermedad o el estrés, o con algunas medicinas, como los esteroides. El azúcar muy alta con "
            "mucha sed, orinar mucho, vómitos o confusión necesita atención de inmediato.",
        ),
        low=(
            "Low blood sugar (usually under 70 mg/dL) can cause shakiness, sweating, hunger or confusion. It "
            "happens most often in people who take insulin or some diabetes pills. If you have these signs, eat or "
            "drink something with sugar, like juice. Call 911 if someone passes out or cannot safely swallow.",
            "El azúcar baja en la sangre (por lo general, menos de 70 mg/dL) puede causar temblores, sudor, hambre "
            "o confusión. Pasa más que nada en personas que usan insulina o algunas pastillas para la diabetes. Si "
            "tiene estas señales, coma o beba algo con azúcar, como jugo. Llame al 911 si alguien se desmaya o no "
            "puede tragar sin peligro.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 6299-2: Urea nitrogen [Mass/volume] in Blood
    _entry(
        "6299-2",
        name=("Blood urea nitrogen (BUN)", "Nitrógeno ureico en la sangre (BUN)"),
        measures=(
            "A waste product made when your body breaks down protein. Your kidneys remove it from your blood, so "
            "this test helps check how well your kidneys are working.",
            "Un desecho que se produce cuando el cuerpo descompone las proteínas. Los riñones lo sacan de la "
            "sangre, así que esta prueba ayuda a ver qué tan bien funcionan sus riñones.",
        ),
        high=(
            "A high level can mean your kidneys are not working as well as they should. It can also be high if you "
            "are low on fluids (dehydrated), eat a lot of protein, have bleeding in your stomach or bowels, or take "
            "some medicines.",
            "Un nivel alto puede querer decir que sus riñones no están funcionando tan bien como deberían. También "
            "puede subir si le faltan líquidos (deshidratación), si come mucha proteína, si tiene sangrado en el "
            "estómago o los intestinos, o por algunas medicinas.",
        ),
        low=(
            "A low level is usually not a concern. It can happen if you eat little protein, drink a lot of fluids, "
            "or are pregnant. Rarely, it can be a sign of a liver problem.",
            "Un nivel bajo por lo general no es motivo de preocupación. Puede pasar si come poca proteína, toma "
            "muchos líquidos o está embarazada. En raras ocasiones, puede ser señal de un problema del hígado.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 38483-4: Creatinine [Mass/volume] in Blood
    _entry(
        "38483-4",
        name=("Creatinine (kidney test)", "Creatinina (prueba de los riñones)"),
        measures=(
            "A waste product from normal muscle use. Healthy kidneys remove it from your blood, so this test shows "
            "how well your kidneys are working.",
            "Un desecho que se produce por el uso normal de los músculos. Los riñones sanos lo sacan de la sangre, "
            "así que esta prueba muestra qué tan bien funcionan sus riñones.",
        ),
        high=(
            "A high level can mean your kidneys are not filtering your blood as well as they should. It can also go "
            "up for a short time if you are low on fluids, after hard exercise, after eating a lot of meat, or with "
            "some medicines. People with a lot of muscle may have a higher level that is normal for them.",
            "Un nivel alto puede querer decir que sus riñones no están filtrando la sangre tan bien como deberían. "
            "También puede subir por un tiempo corto si le faltan líquidos, después de hacer mucho ejercicio, "
            "después de comer mucha carne o por algunas medicinas. Las personas con mucho músculo pueden tener un "
            "nivel más alto que es normal para ellas.",
        ),
        low=(
            "A low level is usually not a concern. It is common in people with less muscle, such as some older "
            "adults, and during pregnancy.",
            "Un nivel bajo por lo general no es motivo de preocupación. Es común en personas con menos músculo, "
            "como algunos adultos mayores, y durante el embarazo.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 33914-3: Glomerular filtration rate/1.73 sq M.predicted (eGFR)
    _entry(
        "33914-3",
        name=("Kidney filtering rate (eGFR)", "Tasa de filtración de los riñones (TFGe)"),
        measures=(
            "An estimate of how well your kidneys filter waste out of your blood. It is worked out from your "
            "creatinine result, your age and your sex. A higher number means the kidneys are filtering better.",
            "Un cálculo de qué tan bien sus riñones filtran los desechos de la sangre. Se calcula con su resultado "
            "de creatinina, su edad y su sexo. Un número más alto quiere decir que los riñones filtran mejor.",
        ),
        high=(
            "A high number is usually not a concern: it means your kidneys are filtering well. A result of 60 or "
            "more is usually normal, unless other tests show signs of kidney damage.",
            "Un número alto por lo general no es motivo de preocupación: quiere decir que sus riñones filtran bien. "
            "Un resultado de 60 o más por lo general es normal, a menos que otras pruebas muestren señales de daño "
            "en los riñones.",
        ),
        low=(
            "A number under 60 for 3 months or more can be a sign of chronic kidney disease, and a number under 15 "
            "can mean kidney failure. The number can also drop for a short time when you are low on fluids or with "
            "some medicines, so the test is often repeated. eGFR often goes down slowly with age.",
            "Un número menor de 60 por 3 meses o más puede ser señal de enfermedad crónica de los riñones, y un "
            "número menor de 15 puede indicar que los riñones están fallando. El número también puede bajar por un "
            "tiempo corto si le faltan líquidos o por algunas medicinas, por eso muchas veces se repite la prueba. "
            "La TFGe suele bajar poco a poco con la edad.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 2947-0: Sodium [Moles/volume] in Blood
    _entry(
        "2947-0",
        name=("Sodium (salt level)", "Sodio (nivel de sal)"),
        measures=(
            "The amount of sodium in your blood. Sodium is a salt that helps control the water in your body and "
            "helps your nerves and muscles work.",
            "La cantidad de sodio en su sangre. El sodio es una sal que ayuda a controlar el agua del cuerpo y "
            "ayuda a que los nervios y los músculos funcionen.",
        ),
        high=(
            "A high level most often means your body does not have enough water, for example from not drinking "
            "enough, vomiting, diarrhea or fever. Some medicines and health problems can also cause it. Very high "
            "sodium can cause confusion or seizures.",
            "Un nivel alto casi siempre quiere decir que al cuerpo le falta agua, por ejemplo por no tomar "
            "suficientes líquidos, vómitos, diarrea o fiebre. Algunas medicinas y problemas de salud también lo "
            "pueden causar. El sodio muy alto puede causar confusión o convulsiones.",
        ),
        low=(
            "A low level can be caused by drinking a very large amount of water, some medicines (such as water "
            "pills), vomiting or diarrhea, or heart, liver or kidney problems. Very low sodium can cause headache, "
            "confusion, falls or seizures.",
            "Un nivel bajo puede deberse a tomar muchísima agua, algunas medicinas (como las pastillas para "
            "orinar), vómitos o diarrea, o problemas del corazón, del hígado o de los riñones. El sodio muy bajo "
            "puede causar dolor de cabeza, confusión, caídas o convulsiones.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 6298-4: Potassium [Moles/volume] in Blood
    _entry(
        "6298-4",
        name=("Potassium", "Potasio"),
        measures=(
            "The amount of potassium in your blood. Potassium helps your heart keep a normal rhythm and helps your "
            "muscles and nerves work.",
            "La cantidad de potasio en su sangre. El potasio ayuda a que el corazón mantenga un ritmo normal y a "
            "que los músculos y los nervios funcionen.",
        ),
        high=(
            "A high level can be caused by kidney problems, some blood pressure medicines, potassium pills or salt "
            "substitutes. Sometimes the result is falsely high because blood cells broke open after the blood was "
            "drawn, so the test may be repeated. Very high potassium can cause a dangerous heart rhythm.",
            "Un nivel alto puede deberse a problemas de los riñones, algunas medicinas para la presión, pastillas "
            "de potasio o sustitutos de la sal. A veces el resultado sale alto por error porque se rompieron "
            "células de la sangre después de sacar la muestra, así que puede que se repita la prueba. El potasio "
            "muy alto puede causar un ritmo del corazón peligroso.",
        ),
        low=(
            "A low level is often caused by vomiting, diarrhea or water pills (diuretics). It can cause weakness, "
            "muscle cramps or an uneven heartbeat. Very low potassium can cause a dangerous heart rhythm.",
            "Un nivel bajo muchas veces se debe a vómitos, diarrea o pastillas para orinar (diuréticos). Puede "
            "causar debilidad, calambres o latidos irregulares. El potasio muy bajo puede causar un ritmo del "
            "corazón peligroso.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 2069-3: Chloride [Moles/volume] in Blood
    _entry(
        "2069-3",
        name=("Chloride", "Cloruro"),
        measures=(
            "The amount of chloride in your blood. Chloride is a salt that works with sodium to keep the right "
            "balance of water and acid in your body.",
            "La cantidad de cloruro en su sangre. El cloruro es una sal que trabaja junto con el sodio para "
            "mantener el equilibrio de agua y ácido en el cuerpo.",
        ),
        high=(
            "A high level is often caused by losing fluids, for example from diarrhea. It can also be linked to "
            "kidney problems or too much acid in the blood. It is usually read together with your sodium and carbon "
            "dioxide results.",
            "Un nivel alto muchas veces se debe a la pérdida de líquidos, por ejemplo por diarrea. También puede "
            "estar relacionado con problemas de los riñones o con demasiado ácido en la sangre. Por lo general se "
            "interpreta junto con sus resultados de sodio y de dióxido de carbono.",
        ),
        low=(
            "A low level is often caused by a lot of vomiting, water pills (diuretics), or the same problems that "
            "cause low sodium. It is usually read together with your sodium and carbon dioxide results.",
            "Un nivel bajo muchas veces se debe a muchos vómitos, pastillas para orinar (diuréticos) o los mismos "
            "problemas que causan el sodio bajo. Por lo general se interpreta junto con sus resultados de sodio y "
            "de dióxido de carbono.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 20565-8: Carbon dioxide, total [Moles/volume] in Blood (bicarbonate)
    _entry(
        "20565-8",
        name=("Carbon dioxide (bicarbonate)", "Dióxido de carbono (bicarbonato)"),
        measures=(
            "The amount of bicarbonate in your blood. Bicarbonate helps keep the right balance of acid in your "
            "body. Your lungs and kidneys control it.",
            "La cantidad de bicarbonato en su sangre. El bicarbonato ayuda a mantener el equilibrio de ácido en el "
            "cuerpo. Los pulmones y los riñones lo controlan.",
        ),
        high=(
            "A high level can be caused by vomiting, losing fluids, water pills (diuretics) or long-term lung "
            "disease. It can mean your blood is less acidic than normal.",
            "Un nivel alto puede deberse a vómitos, pérdida de líquidos, pastillas para orinar (diuréticos) o una "
            "enfermedad de los pulmones de larga duración. Puede querer decir que su sangre está menos ácida de lo "
            "normal.",
        ),
        low=(
            "A low level can mean there is too much acid in your blood. This can be caused by kidney disease, bad "
            "diarrhea, diabetes that is out of control, or some medicines. A very low level needs care right away.",
            "Un nivel bajo puede querer decir que hay demasiado ácido en su sangre. Esto puede deberse a una "
            "enfermedad de los riñones, diarrea fuerte, diabetes fuera de control o algunas medicinas. Un nivel muy "
            "bajo necesita atención de inmediato.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 49765-1: Calcium [Mass/volume] in Blood
    _entry(
        "49765-1",
        name=("Calcium", "Calcio"),
        measures=(
            "The amount of calcium in your blood. Calcium keeps your bones strong and helps your muscles, nerves "
            "and heart work.",
            "La cantidad de calcio en su sangre. El calcio mantiene fuertes los huesos y ayuda a que los músculos, "
            "los nervios y el corazón funcionen.",
        ),
        high=(
            "A high level can be caused by overactive parathyroid glands (small glands in the neck), some "
            "medicines, too much calcium or vitamin D from supplements, or, less often, cancer. Very high calcium "
            "can cause thirst, constipation, confusion or weakness.",
            "Un nivel alto puede deberse a que las glándulas paratiroides (unas glándulas pequeñas en el cuello) "
            "trabajan de más, algunas medicinas, demasiado calcio o vitamina D en suplementos o, con menos "
            "frecuencia, cáncer. El calcio muy alto puede causar sed, estreñimiento, confusión o debilidad.",
        ),
        low=(
            "A low result is often caused by a low level of the protein albumin, which can make the number look low "
            "even when your body has enough calcium. Low vitamin D, low magnesium or kidney disease can also cause "
            "it. Very low calcium can cause muscle cramps, tingling in the fingers or around the mouth, or "
            "seizures.",
            "Un resultado bajo muchas veces se debe a un nivel bajo de la proteína albúmina, que puede hacer que el "
            "número se vea bajo aunque el cuerpo tenga suficiente calcio. La vitamina D baja, el magnesio bajo o "
            "una enfermedad de los riñones también lo pueden causar. El calcio muy bajo puede causar calambres, "
            "hormigueo en los dedos o alrededor de la boca, o convulsiones.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 2885-2: Protein [Mass/volume] in Serum or Plasma
    _entry(
        "2885-2",
        name=("Total protein", "Proteína total"),
        measures=(
            "The total amount of protein in your blood, mostly albumin and globulin. It gives general information "
            "about your nutrition and your liver and kidney health.",
            "La cantidad total de proteína en su sangre, que es más que nada albúmina y globulina. Da información "
            "general sobre su nutrición y la salud de su hígado y sus riñones.",
        ),
        high=(
            "A high level can be caused by being low on fluids, a long-term infection or inflammation, or, less "
            "often, a bone marrow disease. Your care team may order more tests to find the cause.",
            "Un nivel alto puede deberse a que le faltan líquidos, una infección o inflamación de larga duración o, "
            "con menos frecuencia, una enfermedad de la médula ósea. Su equipo de atención médica puede pedir más "
            "pruebas para encontrar la causa.",
        ),
        low=(
            "A low level can be caused by poor nutrition, liver disease, kidney disease that lets protein leak into "
            "the urine, or problems absorbing food.",
            "Un nivel bajo puede deberse a mala nutrición, una enfermedad del hígado, una enfermedad de los riñones "
            "que deja salir proteína en la orina, o problemas para absorber los alimentos.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 1751-7: Albumin [Mass/volume] in Serum or Plasma
    _entry(
        "1751-7",
        name=("Albumin (a blood protein)", "Albúmina (una proteína de la sangre)"),
        measures=(
            "The main protein in your blood. Your liver makes it. It helps keep fluid inside your blood vessels and "
            "carries medicines and other substances through the body.",
            "La proteína principal de su sangre. La produce el hígado. Ayuda a mantener el líquido dentro de los "
            "vasos sanguíneos y lleva medicinas y otras sustancias por el cuerpo.",
        ),
        high=(
            "A high level usually means you are low on fluids (dehydrated). It is rarely a problem by itself.",
            "Un nivel alto por lo general quiere decir que le faltan líquidos (deshidratación). Por sí solo, rara "
            "vez es un problema.",
        ),
        low=(
            "A low level can be caused by liver disease, kidney disease, poor nutrition, a recent illness or "
            "inflammation, or problems absorbing food. Very low albumin can cause swelling in the legs or belly.",
            "Un nivel bajo puede deberse a una enfermedad del hígado o de los riñones, mala nutrición, una "
            "enfermedad o inflamación reciente, o problemas para absorber los alimentos. La albúmina muy baja puede "
            "causar hinchazón en las piernas o el abdomen.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 10834-0: Globulin [Mass/volume] in Serum by calculation
    _entry(
        "10834-0",
        name=("Globulin (blood proteins)", "Globulina (proteínas de la sangre)"),
        measures=(
            "A group of proteins in your blood, including antibodies that help fight infection. It is worked out by "
            "subtracting your albumin from your total protein.",
            "Un grupo de proteínas de la sangre, entre ellas los anticuerpos que ayudan a combatir las infecciones. "
            "Se calcula restando la albúmina de la proteína total.",
        ),
        high=(
            "A high level can be caused by a long-term infection or inflammation, liver disease, an autoimmune "
            "disease, or, less often, a bone marrow disease. Your care team may order more tests.",
            "Un nivel alto puede deberse a una infección o inflamación de larga duración, una enfermedad del "
            "hígado, una enfermedad autoinmune o, con menos frecuencia, una enfermedad de la médula ósea. Su equipo "
            "de atención médica puede pedir más pruebas.",
        ),
        low=(
            "A low level can be caused by liver or kidney disease, poor nutrition, or an immune system problem that "
            "makes it harder to fight infections.",
            "Un nivel bajo puede deberse a una enfermedad del hígado o de los riñones, mala nutrición o un problema "
            "del sistema de defensas que hace más difícil combatir las infecciones.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 1975-2: Bilirubin.total [Mass/volume] in Serum or Plasma
    _entry(
        "1975-2",
        name=("Bilirubin (total)", "Bilirrubina total"),
        measures=(
            "A yellow substance made when your body breaks down old red blood cells. Your liver clears it. This "
            "test checks your liver and can help explain yellow skin or eyes (jaundice).",
            "Una sustancia amarilla que se produce cuando el cuerpo descompone los glóbulos rojos viejos. El hígado "
            "la elimina. Esta prueba revisa el hígado y puede ayudar a explicar la piel o los ojos amarillos "
            "(ictericia).",
        ),
        high=(
            "A high level can be caused by liver disease, a blocked bile duct, gallstones, or red blood cells "
            "breaking down too fast. A common, harmless condition called Gilbert syndrome can also cause a mildly "
            "high level. Contact your care team if your skin or the whites of your eyes turn yellow, or your urine "
            "turns dark.",
            "Un nivel alto puede deberse a una enfermedad del hígado, un conducto de la bilis bloqueado, piedras en "
            "la vesícula o glóbulos rojos que se destruyen demasiado rápido. Una condición común y sin peligro, "
            "llamada síndrome de Gilbert, también puede causar un nivel un poco alto. Comuníquese con su equipo de "
            "atención médica si su piel o la parte blanca de sus ojos se pone amarilla, o si su orina se pone "
            "oscura.",
        ),
        low=("A low level is not a concern.", "Un nivel bajo no es motivo de preocupación."),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 6768-6: Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma
    _entry(
        "6768-6",
        name=("Alkaline phosphatase (ALP)", "Fosfatasa alcalina (ALP)"),
        measures=(
            "An enzyme found mostly in your liver and bones. This test helps check your liver, bile ducts and bones.",
            "Una enzima que está más que nada en el hígado y los huesos. Esta prueba ayuda a revisar el hígado, los "
            "conductos de la bilis y los huesos.",
        ),
        high=(
            "A high level can be caused by liver or bile duct problems (such as a blocked bile duct) or bone "
            "problems. It is normally higher in children and teens who are growing and during pregnancy, and it can "
            "go up while a broken bone heals.",
            "Un nivel alto puede deberse a problemas del hígado o de los conductos de la bilis (como un conducto "
            "bloqueado) o problemas de los huesos. Es normal que sea más alto en niños y adolescentes que están "
            "creciendo y durante el embarazo, y puede subir mientras sana un hueso roto.",
        ),
        low=(
            "A low level is not common and is usually not a concern. Rarely, it can be linked to poor nutrition or "
            "a rare bone disease.",
            "Un nivel bajo no es común y por lo general no es motivo de preocupación. En raras ocasiones, puede "
            "estar relacionado con mala nutrición o con una enfermedad rara de los huesos.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 1742-6: Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    _entry(
        "1742-6",
        name=("ALT (liver enzyme)", "ALT (enzima del hígado)"),
        measures=(
            "An enzyme found mostly in your liver. When the liver is hurt, ALT leaks into the blood, so this test "
            "helps check for liver damage.",
            "Una enzima que está más que nada en el hígado. Cuando el hígado se lastima, la ALT pasa a la sangre, "
            "así que esta prueba ayuda a ver si hay daño en el hígado.",
        ),
        high=(
            "A high level can mean your liver is irritated or damaged. Common causes are fatty liver, alcohol, some "
            "medicines (including too much acetaminophen, or Tylenol), some supplements, and hepatitis (a liver "
            "infection). A slightly high level is common and often goes back to normal. Your care team may repeat "
            "the test or order more tests.",
            "Un nivel alto puede querer decir que el hígado está irritado o dañado. Causas comunes son el hígado "
            "graso, el alcohol, algunas medicinas (como tomar demasiado acetaminofén o Tylenol), algunos "
            "suplementos y la hepatitis (una infección del hígado). Un nivel un poco alto es común y muchas veces "
            "vuelve a lo normal. Su equipo de atención médica puede repetir la prueba o pedir otras.",
        ),
        low=("A low level is normal and not a concern.", "Un nivel bajo es normal y no es motivo de preocupación."),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 1920-8: Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    _entry(
        "1920-8",
        name=("AST (liver and muscle enzyme)", "AST (enzima del hígado y los músculos)"),
        measures=(
            "An enzyme found in your liver, muscles, heart and other organs. It is read together with ALT to check "
            "for liver damage.",
            "Una enzima que está en el hígado, los músculos, el corazón y otros órganos. Se interpreta junto con la "
            "ALT para ver si hay daño en el hígado.",
        ),
        high=(
            "A high level can mean liver damage, for example from fatty liver, alcohol, some medicines, or "
            "hepatitis. Because AST is also in muscles, it can go up after hard exercise or a muscle injury.",
            "Un nivel alto puede indicar daño en el hígado, por ejemplo por hígado graso, alcohol, algunas "
            "medicinas o hepatitis. Como la AST también está en los músculos, puede subir después de hacer mucho "
            "ejercicio o de una lesión en un músculo.",
        ),
        low=("A low level is normal and not a concern.", "Un nivel bajo es normal y no es motivo de preocupación."),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 2093-3: Cholesterol [Mass/volume] in Serum or Plasma
    _entry(
        "2093-3",
        name=("Total cholesterol", "Colesterol total"),
        measures=(
            "The total amount of cholesterol, a kind of fat, in your blood. It is used with your other cholesterol "
            "results, age, blood pressure and other risks to estimate your chance of a heart attack or stroke.",
            "La cantidad total de colesterol, un tipo de grasa, en su sangre. Se usa junto con sus otros resultados "
            "de colesterol, su edad, su presión y otros riesgos para calcular la probabilidad de que tenga un "
            "ataque al corazón o un derrame cerebral.",
        ),
        high=(
            "A level of 200 mg/dL or higher is more than desired for most adults. High cholesterol usually has no "
            "symptoms, but over time it can build up in your blood vessels and raise the risk of heart attack and "
            "stroke. Food choices, exercise and sometimes medicine can help.",
            "Un nivel de 200 mg/dL o más es más alto de lo deseado para la mayoría de los adultos. El colesterol "
            "alto por lo general no causa síntomas, pero con el tiempo se puede acumular en los vasos sanguíneos y "
            "aumentar el riesgo de ataque al corazón y derrame cerebral. La alimentación, el ejercicio y a veces "
            "las medicinas pueden ayudar.",
        ),
        low=(
            "A low level is usually not a concern and may be due to cholesterol medicine. Rarely, a very low level "
            "can be linked to poor nutrition, an overactive thyroid or liver disease.",
            "Un nivel bajo por lo general no es motivo de preocupación y puede deberse a una medicina para el "
            "colesterol. En raras ocasiones, un nivel muy bajo puede estar relacionado con mala nutrición, una "
            "tiroides que trabaja de más o una enfermedad del hígado.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 18262-6: Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay
    _entry(
        "18262-6",
        name=("LDL cholesterol (“bad” cholesterol)", "Colesterol LDL (colesterol “malo”)"),
        measures=(
            "The amount of LDL cholesterol in your blood. LDL can build up in the walls of your blood vessels and "
            "narrow them, which raises the risk of heart attack and stroke.",
            "La cantidad de colesterol LDL en su sangre. El LDL se puede acumular en las paredes de los vasos "
            "sanguíneos y estrecharlos, lo que aumenta el riesgo de ataque al corazón y derrame cerebral.",
        ),
        high=(
            "For many people, an LDL under 100 mg/dL is best, and 190 or higher is very high. Your own goal depends "
            "on your other risks, such as diabetes or past heart problems. Healthy eating, exercise and often "
            "medicine, such as a statin, can lower it. Very high LDL can run in families.",
            "Para muchas personas, un LDL menor de 100 mg/dL es lo mejor, y 190 o más es muy alto. Su meta depende "
            "de sus otros riesgos, como la diabetes o problemas del corazón en el pasado. Comer sano, hacer "
            "ejercicio y muchas veces una medicina, como una estatina, pueden bajarlo. El LDL muy alto puede ser de "
            "familia.",
        ),
        low=(
            "A low LDL is usually good. It is often the goal for people at higher risk and may be due to "
            "cholesterol medicine.",
            "Un LDL bajo por lo general es bueno. Muchas veces es la meta para las personas con más riesgo y puede "
            "deberse a una medicina para el colesterol.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 2085-9: Cholesterol in HDL [Mass/volume] in Serum or Plasma
    _entry(
        "2085-9",
        name=("HDL cholesterol (“good” cholesterol)", "Colesterol HDL (colesterol “bueno”)"),
        measures=(
            "The amount of HDL cholesterol in your blood. HDL helps carry extra cholesterol away from your blood "
            "vessels to your liver, which removes it.",
            "La cantidad de colesterol HDL en su sangre. El HDL ayuda a llevar el colesterol que sobra desde los "
            "vasos sanguíneos hasta el hígado, que lo elimina.",
        ),
        high=(
            "A higher HDL is usually good and is linked to a lower risk of heart disease. A very high level does "
            "not always add more protection.",
            "Un HDL más alto por lo general es bueno y se relaciona con menos riesgo de enfermedades del corazón. "
            "Un nivel muy alto no siempre da más protección.",
        ),
        low=(
            "An HDL under 40 mg/dL in men or under 50 mg/dL in women is lower than desired and can raise the risk "
            "of heart disease. Being active, not smoking and losing extra weight can help raise it.",
            "Un HDL menor de 40 mg/dL en los hombres o menor de 50 mg/dL en las mujeres es más bajo de lo deseado y "
            "puede aumentar el riesgo de enfermedades del corazón. Mantenerse activo, no fumar y bajar el peso de "
            "más pueden ayudar a subirlo.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 2571-8: Triglyceride [Mass/volume] in Serum or Plasma
    _entry(
        "2571-8",
        name=("Triglycerides (a blood fat)", "Triglicéridos (un tipo de grasa en la sangre)"),
        measures=(
            "A kind of fat in your blood that comes from food and that your body also makes. High levels can add to "
            "the risk of heart disease.",
            "Un tipo de grasa en la sangre que viene de los alimentos y que el cuerpo también produce. Los niveles "
            "altos pueden aumentar el riesgo de enfermedades del corazón.",
        ),
        high=(
            "A level of 150 mg/dL or higher is more than desired. It can be caused by a lot of sugar, starchy foods "
            "or alcohol, extra weight, diabetes, an underactive thyroid, some medicines, or family history. It can "
            "be higher if you ate before the test. A very high level (500 or more) also raises the risk of a "
            "painful swelling of the pancreas (pancreatitis).",
            "Un nivel de 150 mg/dL o más es más alto de lo deseado. Puede deberse a mucho azúcar, harinas o "
            "alcohol, peso de más, diabetes, una tiroides que trabaja poco, algunas medicinas o antecedentes de "
            "familia. Puede salir más alto si comió antes de la prueba. Un nivel muy alto (500 o más) también "
            "aumenta el riesgo de una inflamación dolorosa del páncreas (pancreatitis).",
        ),
        low=("A low level is usually not a concern.", "Un nivel bajo por lo general no es motivo de preocupación."),
        next_step=ROUTINE,
        critical_next_step=CALL,
    ),
    # 4548-4: Hemoglobin A1c/Hemoglobin.total in Blood
    _entry(
        "4548-4",
        name=("Hemoglobin A1c (average blood sugar)", "Hemoglobina A1c (promedio del azúcar en la sangre)"),
        measures=(
            "Shows your average blood sugar over the past 2 to 3 months. It is used to check for diabetes and "
            "prediabetes and to see how well diabetes is controlled.",
            "Muestra el promedio de su azúcar en la sangre durante los últimos 2 a 3 meses. Se usa para detectar la "
            "diabetes y la prediabetes, y para ver qué tan controlada está la diabetes.",
        ),
        high=(
            "For people without diabetes, 5.7% to 6.4% is in the prediabetes range. A result of 6.5% or higher is "
            "in the diabetes range (usually confirmed with a second test). For many people with diabetes the goal "
            "is under 7%, but your goal may be different. A higher A1c means a higher risk of problems with the "
            "eyes, kidneys, nerves and heart over time.",
            "Para las personas sin diabetes, de 5.7 % a 6.4 % está en el rango de prediabetes. Un resultado de 6.5 "
            "% o más está en el rango de diabetes (por lo general se confirma con otra prueba). Para muchas "
            "personas con diabetes la meta es menos de 7 %, pero su meta puede ser diferente. Una A1c más alta "
            "quiere decir más riesgo de problemas de los ojos, los riñones, los nervios y el corazón con el tiempo.",
        ),
        low=(
            "A low A1c is not common. In people who take insulin or some diabetes pills, it may mean blood sugar "
            "sometimes drops too low. Some blood conditions, recent blood loss or a blood transfusion can also make "
            "the A1c lower than your real average.",
            "Una A1c baja no es común. En personas que usan insulina o algunas pastillas para la diabetes, puede "
            "querer decir que el azúcar a veces baja demasiado. Algunas condiciones de la sangre, una pérdida de "
            "sangre reciente o una transfusión también pueden hacer que la A1c salga más baja que su promedio real.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 3016-3: Thyrotropin [Units/volume] in Serum or Plasma (TSH)
    _entry(
        "3016-3",
        name=("Thyroid test (TSH)", "Prueba de la tiroides (TSH)"),
        measures=(
            "Measures thyroid-stimulating hormone, which tells your thyroid gland how much thyroid hormone to make. "
            "It checks if your thyroid is working too slowly or too fast.",
            "Mide la hormona estimulante de la tiroides, que le indica a la glándula tiroides cuánta hormona debe "
            "producir. Sirve para ver si la tiroides trabaja muy lento o muy rápido.",
        ),
        high=(
            "A high TSH usually means your thyroid is underactive (hypothyroidism) and makes too little hormone. "
            "This can cause tiredness, weight gain, feeling cold or constipation. If you take thyroid medicine, "
            "your dose may need a change. A slightly high level is often checked again before any treatment.",
            "Una TSH alta por lo general quiere decir que la tiroides trabaja poco (hipotiroidismo) y produce muy "
            "poca hormona. Esto puede causar cansancio, aumento de peso, sensación de frío o estreñimiento. Si toma "
            "medicina para la tiroides, puede ser que haya que cambiar la dosis. Un nivel un poco alto muchas veces "
            "se vuelve a medir antes de dar tratamiento.",
        ),
        low=(
            "A low TSH usually means your thyroid is overactive (hyperthyroidism). This can cause a fast heartbeat, "
            "weight loss, feeling hot, shakiness or trouble sleeping. If you take thyroid medicine, your dose may "
            "be too high. Some medicines, illness and pregnancy can also lower it, and high-dose biotin supplements "
            "can make the result wrong.",
            "Una TSH baja por lo general quiere decir que la tiroides trabaja de más (hipertiroidismo). Esto puede "
            "causar latidos rápidos, pérdida de peso, sensación de calor, temblores o problemas para dormir. Si "
            "toma medicina para la tiroides, puede ser que la dosis esté muy alta. Algunas medicinas, las "
            "enfermedades y el embarazo también la pueden bajar, y los suplementos de biotina en dosis altas pueden "
            "hacer que el resultado salga equivocado.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 6690-2: Leukocytes [#/volume] in Blood by Automated count
    _entry(
        "6690-2",
        name=("White blood cell count (WBC)", "Conteo de glóbulos blancos"),
        measures=(
            "The number of white blood cells in your blood. White blood cells help your body fight infection. This "
            "test is part of a complete blood count (CBC).",
            "La cantidad de glóbulos blancos en su sangre. Los glóbulos blancos ayudan al cuerpo a combatir las "
            "infecciones. Esta prueba es parte del conteo sanguíneo completo (CBC, por sus siglas en inglés).",
        ),
        high=(
            "A high count is often caused by an infection or inflammation. It can also go up with stress, smoking, "
            "pregnancy or medicines such as steroids. Less often, it can be a sign of a blood or bone marrow "
            "disease. Your care team may repeat the test.",
            "Un conteo alto muchas veces se debe a una infección o inflamación. También puede subir con el estrés, "
            "el fumar, el embarazo o medicinas como los esteroides. Con menos frecuencia, puede ser señal de una "
            "enfermedad de la sangre o de la médula ósea. Su equipo de atención médica puede repetir la prueba.",
        ),
        low=(
            "A low count can be caused by a virus, some medicines (including cancer treatment), autoimmune disease "
            "or a bone marrow problem. Some healthy people naturally have a count a little below the usual range. A "
            "low count can make it harder to fight infection: if your count is low and you get a fever of 100.4°F "
            "(38°C) or higher, call the clinic right away.",
            "Un conteo bajo puede deberse a un virus, algunas medicinas (como el tratamiento para el cáncer), una "
            "enfermedad autoinmune o un problema de la médula ósea. Algunas personas sanas tienen naturalmente un "
            "conteo un poco más bajo de lo común. Un conteo bajo puede hacer más difícil combatir las infecciones: "
            "si su conteo está bajo y le da fiebre de 100.4 °F (38 °C) o más, llame a la clínica de inmediato.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 789-8: Erythrocytes [#/volume] in Blood by Automated count
    _entry(
        "789-8",
        name=("Red blood cell count (RBC)", "Conteo de glóbulos rojos"),
        measures=(
            "The number of red blood cells in your blood. Red blood cells carry oxygen from your lungs to the rest "
            "of your body.",
            "La cantidad de glóbulos rojos en su sangre. Los glóbulos rojos llevan el oxígeno de los pulmones al "
            "resto del cuerpo.",
        ),
        high=(
            "A high count can be caused by being low on fluids, smoking or living at high altitude. Lung or heart "
            "disease, testosterone treatment or, less often, a bone marrow disease can also cause it.",
            "Un conteo alto puede deberse a que le faltan líquidos, al fumar o a vivir a gran altura. También lo "
            "pueden causar una enfermedad de los pulmones o del corazón, el tratamiento con testosterona o, con "
            "menos frecuencia, una enfermedad de la médula ósea.",
        ),
        low=(
            "A low count is a sign of anemia. Anemia can be caused by blood loss, low iron or vitamins, kidney "
            "disease or a long-term illness. It can make you feel tired, weak or short of breath.",
            "Un conteo bajo es señal de anemia. La anemia puede deberse a pérdida de sangre, falta de hierro o de "
            "vitaminas, una enfermedad de los riñones o una enfermedad de larga duración. Puede hacer que se sienta "
            "cansado, débil o con falta de aire.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 718-7: Hemoglobin [Mass/volume] in Blood
    _entry(
        "718-7",
        name=("Hemoglobin", "Hemoglobina"),
        measures=(
            "The protein in red blood cells that carries oxygen. This test checks for anemia (too few healthy red "
            "blood cells) and is part of a complete blood count (CBC).",
            "La proteína de los glóbulos rojos que lleva el oxígeno. Esta prueba sirve para ver si hay anemia "
            "(pocos glóbulos rojos sanos) y es parte del conteo sanguíneo completo (CBC, por sus siglas en inglés).",
        ),
        high=(
            "A high level can be caused by being low on fluids, smoking or living at high altitude. Lung or heart "
            "disease, testosterone treatment or, less often, a bone marrow disease can also cause it.",
            "Un nivel alto puede deberse a que le faltan líquidos, al fumar o a vivir a gran altura. También lo "
            "pueden causar una enfermedad de los pulmones o del corazón, el tratamiento con testosterona o, con "
            "menos frecuencia, una enfermedad de la médula ósea.",
        ),
        low=(
            "A low level means anemia. Common causes are low iron, blood loss (such as heavy periods or bleeding in "
            "the stomach or bowels) and pregnancy. Kidney disease or a long-term illness can also cause it. Call "
            "911 if you have chest pain, trouble breathing or fainting, or you vomit blood or have black or bloody "
            "stools.",
            "Un nivel bajo quiere decir anemia. Causas comunes son la falta de hierro, la pérdida de sangre (como "
            "reglas abundantes o sangrado en el estómago o los intestinos) y el embarazo. También puede deberse a "
            "una enfermedad de los riñones o a una enfermedad de larga duración. Llame al 911 si tiene dolor de "
            "pecho, dificultad para respirar o desmayos, o si vomita sangre o tiene excremento negro o con sangre.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 4544-3: Hematocrit [Volume Fraction] of Blood by Automated count
    _entry(
        "4544-3",
        name=("Hematocrit", "Hematocrito"),
        measures=(
            "The percent of your blood that is made up of red blood cells. It is part of a complete blood count "
            "(CBC) and usually goes up and down with hemoglobin.",
            "El porcentaje de su sangre que está formado por glóbulos rojos. Es parte del conteo sanguíneo completo "
            "(CBC, por sus siglas en inglés) y por lo general sube y baja junto con la hemoglobina.",
        ),
        high=(
            "A high level can be caused by being low on fluids, smoking or living at high altitude. Lung or heart "
            "disease, testosterone treatment or, less often, a bone marrow disease can also cause it.",
            "Un nivel alto puede deberse a que le faltan líquidos, al fumar o a vivir a gran altura. También lo "
            "pueden causar una enfermedad de los pulmones o del corazón, el tratamiento con testosterona o, con "
            "menos frecuencia, una enfermedad de la médula ósea.",
        ),
        low=(
            "A low level is a sign of anemia, from causes such as low iron, blood loss, kidney disease or a "
            "long-term illness. It can make you feel tired, weak or short of breath. Call 911 if you have chest "
            "pain, trouble breathing or fainting, or you vomit blood or have black or bloody stools.",
            "Un nivel bajo es señal de anemia, por causas como la falta de hierro, la pérdida de sangre, una "
            "enfermedad de los riñones o una enfermedad de larga duración. Puede hacer que se sienta cansado, débil "
            "o con falta de aire. Llame al 911 si tiene dolor de pecho, dificultad para respirar o desmayos, o si "
            "vomita sangre o tiene excremento negro o con sangre.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 787-2: MCV [Entitic volume] by Automated count
    _entry(
        "787-2",
        name=("Red blood cell size (MCV)", "Tamaño de los glóbulos rojos (VCM)"),
        measures=(
            "The average size of your red blood cells. It helps your care team find the cause of anemia.",
            "El tamaño promedio de sus glóbulos rojos. Ayuda a su equipo de atención médica a encontrar la causa de "
            "una anemia.",
        ),
        high=(
            "Larger than normal red blood cells can be caused by low vitamin B12 or folate, or by alcohol use. "
            "Liver disease, an underactive thyroid or some medicines can also cause them.",
            "Los glóbulos rojos más grandes de lo normal pueden deberse a falta de vitamina B12 o de folato, o al "
            "consumo de alcohol. También pueden deberse a una enfermedad del hígado, una tiroides que trabaja poco "
            "o algunas medicinas.",
        ),
        low=(
            "Smaller than normal red blood cells are most often caused by low iron. An inherited blood trait, such "
            "as thalassemia, can also cause it.",
            "Los glóbulos rojos más pequeños de lo normal casi siempre se deben a la falta de hierro. Una "
            "característica de la sangre que se hereda, como la talasemia, también lo puede causar.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 785-6: MCH [Entitic mass] by Automated count
    _entry(
        "785-6",
        name=("Hemoglobin in each red blood cell (MCH)", "Hemoglobina en cada glóbulo rojo (HCM)"),
        measures=(
            "The average amount of hemoglobin in each red blood cell. It is read with your other blood count "
            "results to help find the cause of anemia.",
            "La cantidad promedio de hemoglobina en cada glóbulo rojo. Se interpreta junto con sus otros resultados "
            "del conteo sanguíneo para ayudar a encontrar la causa de una anemia.",
        ),
        high=(
            "A high level usually goes with large red blood cells and can be caused by low vitamin B12 or folate, "
            "alcohol use or liver disease.",
            "Un nivel alto por lo general va junto con glóbulos rojos grandes y puede deberse a falta de vitamina "
            "B12 o de folato, el consumo de alcohol o una enfermedad del hígado.",
        ),
        low=(
            "A low level usually goes with small red blood cells and is most often caused by low iron. An inherited "
            "blood trait, such as thalassemia, can also cause it.",
            "Un nivel bajo por lo general va junto con glóbulos rojos pequeños y casi siempre se debe a la falta de "
            "hierro. Una característica de la sangre que se hereda, como la talasemia, también lo puede causar.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 786-4: MCHC [Mass/volume] by Automated count
    _entry(
        "786-4",
        name=(
            "Hemoglobin concentration in red blood cells (MCHC)",
            "Concentración de hemoglobina en los glóbulos rojos (CHCM)",
        ),
        measures=(
            "How concentrated the hemoglobin is inside your red blood cells. It is read with your other blood count "
            "results to help find the cause of anemia.",
            "Qué tan concentrada está la hemoglobina dentro de sus glóbulos rojos. Se interpreta junto con sus "
            "otros resultados del conteo sanguíneo para ayudar a encontrar la causa de una anemia.",
        ),
        high=(
            "A high level is not common. It can be caused by an inherited condition that changes the shape of red "
            "blood cells, red blood cells breaking down, or a problem with the blood sample.",
            "Un nivel alto no es común. Puede deberse a una condición que se hereda y que cambia la forma de los "
            "glóbulos rojos, a glóbulos rojos que se destruyen, o a un problema con la muestra de sangre.",
        ),
        low=(
            "A low level means your red blood cells are paler than normal. It is most often caused by low iron.",
            "Un nivel bajo quiere decir que sus glóbulos rojos están más pálidos de lo normal. Casi siempre se debe "
            "a la falta de hierro.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 21000-5: Erythrocyte distribution width [Entitic volume] by Automated count (RDW)
    _entry(
        "21000-5",
        name=("Red blood cell size range (RDW)", "Variación del tamaño de los glóbulos rojos (ADE)"),
        measures=(
            "How much your red blood cells differ in size from one another. It is read with your other blood count "
            "results to help find the cause of anemia.",
            "Qué tanto varía el tamaño de sus glóbulos rojos entre sí. Se interpreta junto con sus otros resultados "
            "del conteo sanguíneo para ayudar a encontrar la causa de una anemia.",
        ),
        high=(
            "A high level means your red blood cells are more mixed in size than usual. It can be caused by low "
            "iron, vitamin B12 or folate, recent blood loss, or a recent blood transfusion.",
            "Un nivel alto quiere decir que sus glóbulos rojos tienen tamaños más variados de lo común. Puede "
            "deberse a falta de hierro, de vitamina B12 o de folato, una pérdida de sangre reciente o una "
            "transfusión reciente.",
        ),
        low=("A low level is not a concern.", "Un nivel bajo no es motivo de preocupación."),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 777-3: Platelets [#/volume] in Blood by Automated count
    _entry(
        "777-3",
        name=("Platelet count", "Conteo de plaquetas"),
        measures=(
            "The number of platelets in your blood. Platelets are tiny cells that help your blood clot and stop "
            "bleeding.",
            "La cantidad de plaquetas en su sangre. Las plaquetas son células muy pequeñas que ayudan a que la "
            "sangre se coagule y deje de sangrar.",
        ),
        high=(
            "A high count is often caused by an infection, inflammation, low iron, or recent surgery or blood loss. "
            "Less often, it can be a sign of a bone marrow disease. A very high count can raise the risk of blood "
            "clots.",
            "Un conteo alto muchas veces se debe a una infección, inflamación, falta de hierro, o una cirugía o "
            "pérdida de sangre reciente. Con menos frecuencia, puede ser señal de una enfermedad de la médula ósea. "
            "Un conteo muy alto puede aumentar el riesgo de coágulos de sangre.",
        ),
        low=(
            "A low count can be caused by a virus, some medicines, heavy drinking, liver disease, an immune problem "
            "or a bone marrow problem. A very low count can cause easy bruising or bleeding. Call 911 if you have "
            "bleeding that will not stop, blood in your vomit or stool, or a sudden, severe headache.",
            "Un conteo bajo puede deberse a un virus, algunas medicinas, tomar mucho alcohol, una enfermedad del "
            "hígado, un problema de las defensas o un problema de la médula ósea. Un conteo muy bajo puede causar "
            "moretones o sangrado con facilidad. Llame al 911 si tiene un sangrado que no se detiene, sangre en el "
            "vómito o el excremento, o un dolor de cabeza fuerte y repentino.",
        ),
        next_step=MESSAGE,
        critical_next_step=EMERGENCY,
    ),
    # 32623-1: Platelet mean volume [Entitic volume] in Blood by Automated count (MPV)
    _entry(
        "32623-1",
        name=("Average platelet size (MPV)", "Tamaño promedio de las plaquetas (VPM)"),
        measures=(
            "The average size of your platelets. It is read together with your platelet count.",
            "El tamaño promedio de sus plaquetas. Se interpreta junto con su conteo de plaquetas.",
        ),
        high=(
            "Larger platelets are usually younger. A high level may mean your body is making new platelets quickly, "
            "for example when platelets are being used up. By itself, it rarely means a problem.",
            "Las plaquetas más grandes por lo general son más jóvenes. Un nivel alto puede querer decir que el "
            "cuerpo está produciendo plaquetas nuevas rápidamente, por ejemplo cuando se están gastando. Por sí "
            "solo, rara vez indica un problema.",
        ),
        low=(
            "A low level can be seen when the bone marrow is making fewer platelets. By itself, it rarely means a "
            "problem.",
            "Un nivel bajo se puede ver cuando la médula ósea está produciendo menos plaquetas. Por sí solo, rara "
            "vez indica un problema.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 32207-3: Platelet distribution width [Entitic volume] in Blood by Automated count (PDW)
    _entry(
        "32207-3",
        name=("Platelet size range (PDW)", "Variación del tamaño de las plaquetas (ADP)"),
        measures=(
            "How much your platelets differ in size from one another. It is a technical measure that is mostly "
            "useful together with your platelet count.",
            "Qué tanto varía el tamaño de sus plaquetas entre sí. Es una medida técnica que sirve más que nada "
            "junto con su conteo de plaquetas.",
        ),
        high=(
            "A high level means your platelets are more mixed in size than usual. It may be seen when the body is "
            "making new platelets quickly. By itself, it rarely means a problem.",
            "Un nivel alto quiere decir que sus plaquetas tienen tamaños más variados de lo común. Se puede ver "
            "cuando el cuerpo está produciendo plaquetas nuevas rápidamente. Por sí solo, rara vez indica un "
            "problema.",
        ),
        low=(
            "A low level is usually not a concern by itself.",
            "Un nivel bajo, por sí solo, por lo general no es motivo de preocupación.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 10230-1: Left ventricular Ejection fraction
    _entry(
        "10230-1",
        name=("Heart pumping strength (ejection fraction)", "Fuerza de bombeo del corazón (fracción de eyección)"),
        measures=(
            "The percent of blood the main pumping chamber of your heart pushes out with each beat. It is usually "
            "measured with an ultrasound of the heart (echocardiogram). A normal result is about 50% to 70%.",
            "El porcentaje de sangre que la cavidad principal del corazón bombea hacia afuera con cada latido. Por "
            "lo general se mide con un ultrasonido del corazón (ecocardiograma). Un resultado normal es de más o "
            "menos 50 % a 70 %.",
        ),
        high=(
            "A result above about 70% is usually not a concern. Sometimes it is seen when the heart muscle is thick "
            "or stiff; your care team will look at the full heart ultrasound report.",
            "Un resultado de más de 70 % por lo general no es motivo de preocupación. A veces se ve cuando el "
            "músculo del corazón está grueso o rígido; su equipo de atención médica revisará el informe completo "
            "del ultrasonido.",
        ),
        low=(
            "A result of 41% to 49% is a little below normal. A result of 40% or less means the heart is pumping "
            "more weakly than normal, which can be a sign of heart failure; treatment can help. Call the clinic if "
            "you have new swelling in your legs, fast weight gain, or shortness of breath when lying down. Call 911 "
            "for chest pain, fainting or severe trouble breathing.",
            "Un resultado de 41 % a 49 % está un poco por debajo de lo normal. Un resultado de 40 % o menos quiere "
            "decir que el corazón está bombeando con menos fuerza de lo normal, lo que puede ser señal de "
            "insuficiencia cardíaca; el tratamiento puede ayudar. Llame a la clínica si tiene hinchazón nueva en "
            "las piernas, sube de peso rápido o le falta el aire al acostarse. Llame al 911 si tiene dolor de "
            "pecho, desmayos o mucha dificultad para respirar.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 33762-6: Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma (NT-proBNP)
    _entry(
        "33762-6",
        name=("NT-proBNP (heart strain blood test)", "NT-proBNP (análisis de sangre para el corazón)"),
        measures=(
            "A substance your heart releases when it is stretched or working too hard. It helps find heart failure "
            "and shows how it is doing.",
            "Una sustancia que el corazón suelta cuando está estirado o trabajando demasiado. Ayuda a detectar la "
            "insuficiencia cardíaca y a ver cómo va.",
        ),
        high=(
            "A high level can be a sign of heart failure or another heart problem. It also goes up with age, kidney "
            "disease, some lung problems (such as a blood clot in the lungs) and serious infections. Your care team "
            "will look at it together with your symptoms and other tests.",
            "Un nivel alto puede ser señal de insuficiencia cardíaca o de otro problema del corazón. También sube "
            "con la edad, con enfermedades de los riñones, con algunos problemas de los pulmones (como un coágulo "
            "en los pulmones) y con infecciones graves. Su equipo de atención médica lo revisará junto con sus "
            "síntomas y otras pruebas.",
        ),
        low=(
            "A low level is good: it makes heart failure a less likely cause of symptoms such as shortness of "
            "breath. People with a lot of extra weight can have low levels even with heart failure.",
            "Un nivel bajo es bueno: hace menos probable que la insuficiencia cardíaca sea la causa de síntomas "
            "como la falta de aire. Las personas con mucho peso de más pueden tener niveles bajos aun con "
            "insuficiencia cardíaca.",
        ),
        next_step=MESSAGE,
        critical_next_step=CALL,
    ),
    # 19926-5: FEV1/FVC (from spirometry)
    _entry(
        "19926-5",
        name=(
            "Lung test: breath-out ratio (FEV1/FVC)",
            "Prueba de los pulmones: proporción de aire exhalado (FEV1/FVC)",
        ),
        measures=(
            "From a breathing test (spirometry). It compares how much air you can blow out in the first second with "
            "all the air you can blow out. It helps find and follow asthma and COPD.",
            "Viene de una prueba de respiración (espirometría). Compara cuánto aire puede sacar en el primer "
            "segundo con todo el aire que puede sacar. Ayuda a detectar y dar seguimiento al asma y a la EPOC.",
        ),
        high=(
            "A normal or high ratio means air is not being blocked on its way out of your lungs. Some lung diseases "
            "make the lungs stiff and smaller but still give a normal or high ratio. So your care team will also "
            "look at your other breathing test results.",
            "Una proporción normal o alta quiere decir que el aire no se está bloqueando al salir de los pulmones. "
            "Algunas enfermedades hacen que los pulmones estén rígidos y más pequeños, pero aun así dan una "
            "proporción normal o alta. Por eso su equipo de atención médica revisará también sus otros resultados "
            "de la prueba de respiración.",
        ),
        low=(
            "A low ratio (in adults, often under 70%) means air has trouble getting out of your lungs. This can be "
            "a sign of asthma or COPD. Your care team will look at it together with your symptoms and other test "
            "results.",
            "Una proporción baja (en adultos, muchas veces menos de 70 %) quiere decir que al aire le cuesta salir "
            "de los pulmones. Esto puede ser señal de asma o de EPOC. Su equipo de atención médica lo revisará "
            "junto con sus síntomas y otros resultados.",
        ),
        next_step=ROUTINE,
        critical_next_step=MESSAGE,
    ),
    # 57905-2: Hemoglobin.gastrointestinal [Presence] in Stool by Immunologic method (FIT)
    _entry(
        "57905-2",
        name=("Stool test for hidden blood (FIT)", "Prueba de heces para detectar sangre oculta (FIT)"),
        measures=(
            "Checks for tiny amounts of blood in your stool (poop) that you cannot see. It is used to screen for "
            "colon cancer and large polyps.",
            "Busca cantidades muy pequeñas de sangre en las heces (excremento) que no se pueden ver. Se usa para "
            "detectar a tiempo el cáncer de colon y los pólipos grandes.",
        ),
        high=(
            "A positive or high result means blood was found. It can come from polyps, hemorrhoids, inflammation "
            "or, less often, cancer. It does not mean you have cancer, but you will need a colonoscopy to find the "
            "cause. Please do not skip it.",
            "Un resultado positivo o alto quiere decir que se encontró sangre. Puede venir de pólipos, hemorroides, "
            "inflamación o, con menos frecuencia, cáncer. No quiere decir que usted tenga cáncer, pero va a "
            "necesitar una colonoscopia para encontrar la causa. Por favor, no deje de hacérsela.",
        ),
        low=(
            "A negative or low result means no blood was found, which is the expected result. You will still need "
            "to repeat screening, often every year. Tell your care team if you see blood in your stool, even if "
            "this test was normal.",
            "Un resultado negativo o bajo quiere decir que no se encontró sangre, que es lo esperado. Aun así va a "
            "necesitar repetir la prueba, muchas veces cada año. Avísele a su equipo de atención médica si ve "
            "sangre en sus heces, aunque esta prueba haya salido normal.",
        ),
        next_step=MESSAGE,
        critical_next_step=MESSAGE,
    ),
)

# Other codes for the same measurement: new code -> code whose text it reuses.
_SAME_AS: Final[dict[str, str]] = {
    # 85354-9: Blood pressure panel with all children optional (newer Synthea releases); same text as 55284-4.
    "85354-9": "55284-4",
}

EXPLANATIONS: Final[dict[str, Explanation]] = {entry.loinc: entry for entry in _ENTRIES}
if len(EXPLANATIONS) != len(_ENTRIES):
    raise ValueError("a LOINC code has two explanations")
EXPLANATIONS.update({code: replace(EXPLANATIONS[same_as], loinc=code) for code, same_as in _SAME_AS.items()})


def explain(loinc: str) -> Explanation | None:
    """The explanation for a LOINC code such as ``"2339-0"``, or None when there is none."""
    return EXPLANATIONS.get(loinc.strip())
