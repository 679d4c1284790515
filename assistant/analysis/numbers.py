"""French number formatting, as the narrative and the exports write them: « 159 941 », « 14,5 »."""

from __future__ import annotations

THIN_SPACE = " "  # narrow no-break space: the French thousands separator


def fr_number(value: object, decimals: int = 0, sign: bool = False) -> str:
    if value is None:
        return "non disponible"
    if not isinstance(value, int | float):
        return str(value)
    number = float(value)
    text = f"{abs(number):,.{decimals}f}" if decimals else f"{round(abs(number)):,d}"
    text = text.replace(",", THIN_SPACE).replace(".", ",")
    prefix = "−" if number < 0 and round(abs(number), decimals) != 0 else ("+" if sign and number > 0 else "")
    return prefix + text
