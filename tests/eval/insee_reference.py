"""The INSEE tables of ../shared/data read with plain pandas, independently of the product's loader, and the
figures the analysis questions expect, computed here (never with assistant.analysis)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

METRO = "242100410"  # Dijon Métropole
PLM = {"75": ("75056", "Paris"), "13": ("13055", "Marseille"), "69": ("69123", "Lyon")}


def _number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.str.replace(r"\s", "", regex=True).str.replace(",", "."), errors="coerce")


@dataclass
class Insee:
    folder: Path

    def _read(self, name: str, sep: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / name, sep=sep, comment="#", dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")

    @cached_property
    def composition(self) -> pd.DataFrame:
        return self._read("insee_epci_2024_composition_communale.csv", ";")

    @cached_property
    def metro_codes(self) -> set[str]:
        return set(self.composition.loc[self.composition["EPCI"] == METRO, "CODGEO"])

    @cached_property
    def dep21_codes(self) -> set[str]:
        return set(self.composition.loc[self.composition["DEP"] == "21", "CODGEO"])

    @cached_property
    def comparateur(self) -> pd.DataFrame:
        """Côte-d'Or's communes, one row each (the file lists Val-Larrey twice, once per postal code)."""
        frame = self._read("cote_dor_21_comparateur_territoires_2024.csv", ",")
        frame = frame[frame["commune_type"] == "COM"].drop_duplicates("insee_com")
        for column in frame.columns[8:]:
            frame[column] = _number(frame[column])
        return frame.set_index("insee_com")

    @cached_property
    def population(self) -> pd.DataFrame:
        """Legal populations (census 2022) of every commune, Paris, Marseille and Lyon as one row each."""
        frame = self._read("insee_populations_legales_2025_communes.csv", ";")
        frame["code"] = frame["Code département"].str[:2] + frame["Code commune"]
        for column in ("Population municipale", "Population comptée à part", "Population totale"):
            frame[column] = _number(frame[column])
        arrondissement = frame["Nom de la commune"].str.contains(" Arrondissement")
        cities = frame[arrondissement].groupby(frame["Code département"].str[:2]).agg(
            {"Population municipale": "sum", "Population comptée à part": "sum", "Population totale": "sum"})
        cities["code"] = [PLM[dep][0] for dep in cities.index]
        cities["Nom de la commune"] = [PLM[dep][1] for dep in cities.index]
        cities["Code département"] = cities.index
        merged = pd.concat([frame[~arrondissement], cities.reset_index(drop=True)], ignore_index=True)
        return merged.set_index("code")

    def name(self, code: str) -> str:
        if code in self.comparateur.index:
            return str(self.comparateur.loc[code, "commune"])
        return str(self.population.loc[code, "Nom de la commune"])

    def code_of(self, name: str) -> str:
        [code] = self.comparateur.index[self.comparateur["commune"] == name].tolist() or \
            self.population.index[self.population["Nom de la commune"] == name].tolist()
        return str(code)

    # -- figures -------------------------------------------------------------------------------------------
    def pop2022(self, codes: set[str]) -> int:
        return int(self.population.loc[sorted(codes), "Population municipale"].sum())

    def comp(self, codes: set[str], column: str) -> float:
        return float(self.comparateur.loc[sorted(codes), column].sum())

    def rate(self, codes: set[str], numerator: str, denominator: str, scale: float = 100, decimals: int = 1) -> float:
        return round(self.comp(codes, numerator) * scale / self.comp(codes, denominator), decimals)
