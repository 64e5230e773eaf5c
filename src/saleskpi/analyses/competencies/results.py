"""The results the competencies analysis stores, declared.

``competencies`` is personnel data (an appraisal of each person): it is declared ``pay=True``,
so that the scoping layer shows a rep's rows to the rep, the manager of the rep's team and the
whole-company roles only, never by territory, and every read of it in the web pages is audited
as an export of pay data is (docs/access.md, docs/competencies.md).
"""

from __future__ import annotations

from saleskpi.analyses.columns import KEY, KPI, LEVEL, NOTE, REP_ID, TEAM_ID
from saleskpi.results import Result, column

__all__ = ["COMPETENCIES", "LINKS", "RESULTS"]

_ROLE = column("role", "class", "Role", "Роля", "The rep's role (reps.role) whose requirements apply.",
               "Ролята на търговеца (reps.role), чиито изисквания се прилагат.")
_COMPETENCY = column("competency", "class", "Competency", "Компетентност",
                     "The competency (competency_assessments.competency; the model's name).",
                     "Компетентността (competency_assessments.competency; името в модела).")
_REQUIRED = column("required_level", "number", "Required", "Изисквано ниво",
                   "The level the role requires (DIR/competencies.toml), on the model's scale.",
                   "Нивото, което ролята изисква (DIR/competencies.toml), по скалата на модела.", unit="scale points")
_SCORE = column("score", "number", "Score", "Оценка",
                "On a rep's row the latest assessment, rescaled to the model's scale (score × scale_max of the "
                "model / the assessment's scale_max); on a team's row the mean over its assessed reps; empty when "
                "not assessed.",
                "В ред за търговец последната оценка, преизчислена по скалата на модела; в ред за екип средната "
                "за оценените му търговци; празно, ако няма оценка.", unit="scale points")
_ASSESSED_ON = column("assessed_on", "date", "Assessed on", "Дата на оценката",
                      "The date of the latest assessment (rep rows).", "Датата на последната оценка (редове за търговец).")
_GAP = column("gap", "number", "Gap", "Недостиг",
              "max(0, required − score) on a rep's row; the mean over the assessed reps on a team's row.",
              "max(0, изисквано − оценка) в ред за търговец; средното за оценените търговци в ред за екип.",
              unit="scale points")
_REPS_ASSESSED = column("reps_assessed", "count", "Reps assessed", "Оценени търговци",
                        "Reps with an assessment of the competency (1 or 0 on a rep's row).",
                        "Търговци с оценка по компетентността (1 или 0 в ред за търговец).", unit="reps")
_REPS_BELOW = column("reps_below_required", "count", "Reps below the required level", "Под изискваното ниво",
                     "Assessed reps whose score is below the required level.",
                     "Оценените търговци с оценка под изискваното ниво.", unit="reps")
_LINKED = column("linked_kpis", "text", "Linked KPIs", "Свързани показатели",
                 "The KPIs the competency serves (the model), comma-separated.",
                 "Показателите, на които служи компетентността (моделът), разделени със запетая.")
_MISSED = column("kpis_missed", "text", "KPIs missed", "Неизпълнени показатели",
                 "Of the linked KPIs, those whose status at the rep is red or amber (kpis result), comma-separated; "
                 "empty when none is missed or none has a status.",
                 "От свързаните показатели онези със състояние red или amber при търговеца (резултат kpis); "
                 "празно, ако няма неизпълнени или никой няма състояние.")
_FOCUS_RANK = column("focus_rank", "integer", "Focus rank", "Приоритет за развитие",
                     "1 = the rep's largest gap among the competencies linked to a KPI the rep misses, 2 the next...; "
                     "empty for a competency without a gap or without a missed KPI.",
                     "1 = най-големият недостиг на търговеца сред компетентностите, свързани с неизпълнен "
                     "показател, 2 — следващият...; празно без недостиг или без неизпълнен показател.")
_FOCUS = column("development_focus", "flag", "Development focus", "Фокус за развитие",
                "focus_rank ≤ [competencies] focus_count: the suggested development focus.",
                "focus_rank ≤ [competencies] focus_count: предложеният фокус за развитие.")

COMPETENCIES = Result(
    "competencies",
    ("Competency gaps and development focus", "Недостиг на компетентности и фокус за развитие"),
    ("Each rep's latest score per competency of the role against the required level, the gap, the KPIs it "
     "serves that the rep misses and the suggested development focus; each team's mean score and gap.",
     "Последната оценка на всеки търговец по компетентностите на ролята спрямо изискваното ниво, недостигът, "
     "неизпълнените показатели, на които служи, и предложеният фокус за развитие; средните за всеки екип."),
    (LEVEL, KEY, REP_ID, TEAM_ID, _ROLE, _COMPETENCY, _REQUIRED, _SCORE, _ASSESSED_ON, _GAP, _REPS_ASSESSED,
     _REPS_BELOW, _LINKED, _MISSED, _FOCUS_RANK, _FOCUS, NOTE),
    key=("level", "key", "role", "competency"),
    scope=("rep_id", "team_id"),
    pay=True,
    notes=(("Personnel data, scoped as pay: a rep sees their own rows, a manager the rows of the reps of their "
            "teams; team rows (rep_id empty) only the whole-company roles.",
            "Лични данни, достъпни като възнагражденията: търговецът вижда своите редове, мениджърът — тези на "
            "търговците от екипите си; редовете за екип — само ролите с достъп до цялата фирма."),),
)

_LINKED_FLAG = column("linked", "flag", "Linked in the model", "Свързани в модела",
                      "Whether the competency model links this competency to this KPI (every competency is also "
                      "shown against the KPIs linked to the others).",
                      "Дали моделът свързва компетентността с показателя (всяка е показана и спрямо показателите "
                      "на другите).")
_COMPARED_ON = column("kpi_figure", "class", "Compared on", "Сравнено по",
                      "attainment (the KPI's attainment at each rep, when at least [competencies] min_reps reps have "
                      "one) or value.",
                      "attainment (изпълнението при всеки търговец, ако поне [competencies] min_reps имат) или value.")
_REPS = column("reps", "count", "Reps", "Търговци", "Reps with both a score and the figure.",
               "Търговци и с оценка, и със стойност.", unit="reps")
_RHO = column("spearman_rho", "ratio", "Spearman ρ", "Спирман ρ",
              "Spearman's rank correlation between the score and the figure across reps (-1 .. 1).",
              "Рангова корелация на Спирман между оценката и стойността по търговци (-1 .. 1).")
_RHO_LOW = column("spearman_ci_low", "ratio", "ρ, lower bound", "ρ, долна граница",
                  "Lower bound of ρ's interval ([competencies] level): Fisher z with SE √(1.06 / (n − 3)) (Fieller, "
                  "Hartley & Pearson 1957).",
                  "Долна граница на интервала за ρ: Fisher z със SE √(1,06 / (n − 3)) (Fieller, Hartley & Pearson "
                  "1957).")
_RHO_HIGH = column("spearman_ci_high", "ratio", "ρ, upper bound", "ρ, горна граница",
                   "Upper bound of ρ's interval.", "Горна граница на интервала за ρ.")
_PEARSON = column("pearson_r", "ratio", "Pearson r", "Пирсън r", "Pearson's correlation between score and figure.",
                  "Корелацията на Пирсън между оценката и стойността.")
_R_LOW = column("pearson_ci_low", "ratio", "r, lower bound", "r, долна граница",
                "Lower bound of r's interval: Fisher z = atanh r with SE 1 / √(n − 3).",
                "Долна граница на интервала за r: Fisher z = atanh r със SE 1 / √(n − 3).")
_R_HIGH = column("pearson_ci_high", "ratio", "r, upper bound", "r, горна граница", "Upper bound of r's interval.",
                 "Горна граница на интервала за r.")
_PVALUE = column("spearman_pvalue", "ratio", "p-value", "p-стойност",
                 "Two-sided p-value of ρ = 0 (scipy's spearmanr: t with n − 2 degrees of freedom).",
                 "Двустранна p-стойност за ρ = 0 (spearmanr на scipy: t с n − 2 степени на свобода).")
_CONCLUSION = column("conclusion", "class", "Conclusion", "Извод",
                     "positive or negative (ρ's interval excludes 0), unclear (it includes 0), or too few reps "
                     "(fewer than [competencies] min_reps: nothing concluded).",
                     "positive или negative (интервалът на ρ не съдържа 0), unclear (съдържа 0) или too few reps "
                     "(под [competencies] min_reps: без извод).")

LINKS = Result(
    "competency-links",
    ("Competencies and KPI attainment", "Компетентности и изпълнение на показателите"),
    ("How each competency's scores go with each linked KPI across reps: Spearman and Pearson correlations "
     "with their intervals, and whether there are enough reps to conclude.",
     "Как оценките по всяка компетентност вървят със свързаните показатели по търговци: корелации на Спирман "
     "и Пирсън с интервалите им и дали търговците са достатъчно за извод."),
    (_COMPETENCY, KPI, _LINKED_FLAG, _COMPARED_ON, _REPS, _RHO, _RHO_LOW, _RHO_HIGH, _PEARSON, _R_LOW, _R_HIGH, _PVALUE,
     _CONCLUSION, NOTE),
    key=("competency", "kpi"),
    notes=(("An association across reps, not a cause: abler reps score higher on every competency, so the "
            "competencies correlate with one another.",
            "Връзка между търговците, не причина: по-способните търговци имат по-високи оценки по всички "
            "компетентности, затова те корелират помежду си."),),
)

RESULTS = (COMPETENCIES, LINKS)
