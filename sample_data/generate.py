"""Generate the fictional demo trust shipped in ``sample_data/``.

*Northfield and Vale NHS Foundation Trust* does not exist. Everything here is simulated from a fixed
seed with a NumPy ``Generator``: names of teams are generic NHS names, employee numbers and respondent
ids are random numbers, and nobody real is described. No network access is needed.

Run ``python sample_data/generate.py`` (or ``--out DIR`` to write elsewhere); running it twice gives
byte-identical files. ``sample_data/README.md`` lists every file, its shape and the associations that
were planted, so that an analysis of the files can be checked against what was put in.

The model, in short (all parameters are module constants below):

* **Teams.** 62 teams in 6 directorates, 8 to ~250 staff, each with a staff-group mix typical of its
  kind (ward, theatres, community nursing, pathology, corporate...). Doctors are held in medical-staff
  teams; doctors in training rotate on national changeover days.
* **Compassionate leadership.** Each team has a *true* compassionate-leadership score per survey wave,
  ``C`` on the 0-10 scale: the score its respondents would give on average (the expected NSS measure
  score, not a latent value). Most teams are stable; the teams in :data:`TRAJECTORIES` were made to
  improve or decline between waves.
* **Survey answers.** Respondent answers on 5-point scales are drawn from an ordered normal model whose
  team intercepts are solved so that the expected item scores average to the team's target score for
  each block of items; items of a block share a respondent factor, and all blocks share part of a
  respondent's view of their manager and a general wellbeing factor. Reverse-keyed items (q5a, q5c,
  q26a-c) are written in agreement order, so a respondent with high morale disagrees with q26a.
* **Leaving.** Each employee (not doctors in training, who leave at rotation) has an annual leaving
  hazard ``LEAVER_BASE_HAZARD x staff-group multiplier x new-starter multiplier x team noise x
  exp(LEAVER_LOG_RATE_PER_POINT x (C - 7))``; leavers are replaced after a vacancy gap.
* **Sickness.** Episodes arrive at ``SICKNESS_EPISODES_PER_YEAR x staff-group multiplier x team noise x
  season x exp(SICKNESS_LOG_RATE_PER_POINT x (C - 7))`` per year with short, medium and long-term
  durations; FTE days lost = FTE x calendar days of the episode.
* ``C`` for HR purposes: the 2023 wave's score applies from April 2022 to March 2024, the 2024 wave's
  to April 2024 - March 2025 and the 2025 wave's from April 2025 (each survey's financial year).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import math
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so that ``python sample_data/generate.py`` finds the analytics package
    sys.path.insert(0, str(ROOT))

from analytics.ingest.codebook import Codebook, load_codebook  # noqa: E402

SAMPLE_DIR = Path(__file__).resolve().parent

# =================================================================================================
# Parameters
# =================================================================================================

#: Seed of every random draw. Each part of the model uses its own stream ``default_rng([SEED, part])``
#: so that changing one part does not reshuffle the others.
SEED = 20250930

TRUST_NAME = "Northfield and Vale NHS Foundation Trust"

PERIOD_START = dt.date(2022, 4, 1)
PERIOD_END = dt.date(2025, 12, 31)
WAVES = (2023, 2024, 2025)
#: Survey sample: staff in post on this date are invited.
SURVEY_CENSUS = {2023: dt.date(2023, 9, 1), 2024: dt.date(2024, 9, 1), 2025: dt.date(2025, 9, 1)}
#: Fieldwork (first and last completion dates).
FIELDWORK = {
    2023: (dt.date(2023, 10, 2), dt.date(2023, 11, 24)),
    2024: (dt.date(2024, 9, 30), dt.date(2024, 11, 29)),
    2025: (dt.date(2025, 9, 29), dt.date(2025, 11, 28)),
}

# --- Planted associations with compassionate leadership -----------------------------------------
#: Reference score: hazards are at their base value for a team scoring 7.0.
CL_REFERENCE = 7.0
#: Leaving hazard x exp(-0.16) = x 0.852 per point higher team compassionate leadership (~15% lower).
LEAVER_LOG_RATE_PER_POINT = -0.16
#: Sickness episode rate x exp(-0.105) = x 0.900 per point higher (~10% lower).
SICKNESS_LOG_RATE_PER_POINT = -0.105
#: Annual leaving hazard of an established Nursing and Midwifery Registered employee in a team at 7.0.
LEAVER_BASE_HAZARD = 0.105
#: Hazard multiplier in an employee's first 12 months.
NEW_STARTER_HAZARD_MULTIPLIER = 1.5
#: Team noise (log-normal SD) on the leaving hazard and on the sickness rate: constant per team.
LEAVER_TEAM_NOISE_SD = 0.15
SICKNESS_TEAM_NOISE_SD = 0.12
#: Sickness episodes per employee-year for a Nursing and Midwifery Registered employee in a team at 7.0.
SICKNESS_EPISODES_PER_YEAR = 1.55
#: Seasonal multiplier of the sickness episode rate: 1 + A cos(2 pi (month - 1) / 12) (peak January).
SICKNESS_SEASONAL_AMPLITUDE = 0.18

# --- Team compassionate-leadership scores ---------------------------------------------------------
#: Teams not in TRAJECTORIES: 2023 score ~ N(7.0, 1.0) clipped to [4.8, 8.9]; trust-wide drift of
#: +0.1 per wave and N(0, 0.12) team noise per wave.
CL_2023_MEAN = 7.0
CL_2023_SD = 1.0
CL_TRUST_DRIFT_PER_WAVE = 0.1
CL_STABLE_WAVE_SD = 0.12
#: Teams made to improve or decline: team -> (score in 2023, change 2023->2024, change 2024->2025).
TRAJECTORIES: dict[str, tuple[float, float, float]] = {
    # improving
    "Ward 10 – Elderly Care": (5.9, +0.7, +0.6),
    "Emergency Department": (6.1, +0.5, +0.6),
    "District Nursing – South": (6.3, +0.1, +0.9),
    "Facilities – Domestic Services": (5.8, +0.6, +0.5),
    "Puffin Ward – Children's": (6.2, +0.8, +0.3),
    "Physiotherapy": (6.4, +0.5, +0.6),
    # declining
    "Acute Medical Unit": (7.7, -0.6, -0.5),
    "Labour Ward": (7.6, -0.5, -0.7),
    "Radiology": (7.5, -0.9, -0.2),
    "Ward 4 – Trauma and Orthopaedics": (7.9, -0.1, -0.8),
    "Estates": (7.4, -0.6, -0.5),
    "Community Rehabilitation Team": (7.8, -0.7, -0.4),
}

# --- Survey model --------------------------------------------------------------------------------
#: Base response rate, times staff-group and team factors (NSS trusts: ~45-50%).
RESPONSE_RATE = 0.47
RESPONSE_TEAM_SD = 0.25
#: Respondent SD of the latent answer (person) and of item noise, on the 0-10 latent scale.
PERSON_SD = 1.9
ITEM_NOISE_SD = 1.4
#: Cut points between the five answer positions on the latent 0-10 scale (scores 0, 2.5, 5, 7.5, 10).
CUTS = (1.25, 3.75, 6.25, 8.75)
#: Blocks of items sharing a respondent factor. For each: the target expected block score of a team at
#: C = 7, the slope of the team's expected block score on C, the SD of team noise (constant over waves),
#: the respondent's loading on their compassionate-leadership factor, and the share of the remaining
#: variance on a general wellbeing factor.
BLOCKS: dict[str, dict] = {
    "compassionate_leadership": dict(items=("q9f", "q9g", "q9h", "q9i"), target=7.0, slope=1.0,
                                     team_sd=0.0, loading=1.0, wellbeing=0.0),
    "line_management": dict(items=("q9a", "q9b", "q9c", "q9d"), target=6.9, slope=0.9, team_sd=0.15,
                            loading=0.85, wellbeing=0.3),
    "organisation": dict(items=("q6a", "q25a", "q25b", "q25c", "q25d"), target=7.1, slope=0.35,
                         team_sd=0.3, loading=0.35, wellbeing=0.4),
    "inclusion": dict(items=("q7h", "q7i", "q8b", "q8c"), target=7.2, slope=0.55, team_sd=0.25,
                      loading=0.5, wellbeing=0.3),
    "thinking_about_leaving": dict(items=("q26a", "q26b", "q26c"), target=6.2, slope=0.5, team_sd=0.3,
                                   loading=0.4, wellbeing=0.5),
    "work_pressure": dict(items=("q3g", "q3h", "q3i"), target=4.9, slope=0.35, team_sd=0.35,
                          loading=0.3, wellbeing=0.5),
    "stressors": dict(items=("q3a", "q3e", "q5a", "q5b", "q5c", "q7c"), target=6.6, slope=0.5,
                      team_sd=0.2, loading=0.5, wellbeing=0.5),
    "motivation": dict(items=("q2a", "q2b", "q2c"), target=6.9, slope=0.3, team_sd=0.25, loading=0.3,
                       wellbeing=0.5),
    "involvement": dict(items=("q3c", "q3d", "q3f"), target=6.8, slope=0.5, team_sd=0.25, loading=0.5,
                        wellbeing=0.5),
}
#: Item offsets on the latent scale (some questions are answered more favourably than others).
ITEM_OFFSETS = {
    "q9f": -0.1, "q9g": 0.15, "q9h": 0.2, "q9i": -0.25,
    "q9a": 0.1, "q9b": -0.2, "q9c": -0.1, "q9d": 0.2,
    "q6a": 1.6, "q25a": 0.0, "q25b": -0.1, "q25c": -0.6, "q25d": -0.1,
    "q7h": -0.1, "q7i": 0.1, "q8b": 0.0, "q8c": 0.1,
    "q26a": -0.4, "q26b": 0.1, "q26c": 0.3,
    "q3g": 0.7, "q3h": 0.9, "q3i": -1.6,
    "q3a": 1.6, "q3e": -1.0, "q5a": -0.9, "q5b": -0.3, "q5c": 0.5, "q7c": 0.3,
    "q2a": -0.5, "q2b": 0.2, "q2c": 0.3,
    "q3c": -0.3, "q3d": 0.3, "q3f": 0.0,
}
#: Items offering "Don't know" (treated as missing), and how often it is chosen.
DONT_KNOW_ITEMS = ("q25b", "q25d")
DONT_KNOW_RATE = 0.04
#: Share of answers left blank at random, share of respondents who stop part-way, share who give the
#: same answer to every question (straight-liners).
ITEM_MISSING_RATE = 0.02
PARTIAL_RATE = 0.03
STRAIGHT_LINER_RATE = 0.012
#: Share of text answers in the 2024 export written with odd case or stray spaces.
LABEL_VARIANT_RATE = 0.015

# --- Workforce ----------------------------------------------------------------------------------
NUR = "Nursing and Midwifery Registered"
ACS = "Additional Clinical Services"
AHP = "Allied Health Professionals"
APST = "Add Prof Scientific and Technic"
HCS = "Healthcare Scientists"
ADM = "Administrative and Clerical"
EST = "Estates and Ancillary"
MED = "Medical and Dental"
STAFF_GROUPS = (NUR, ACS, AHP, APST, HCS, ADM, EST, MED)

#: Job roles of doctors in training (they rotate and are excluded from the team-month file).
TRAINEE_ROLES = ("Foundation Year 1", "Foundation Year 2", "Core Training", "Specialty Registrar")

#: (directorate, team, headcount, kind)
TEAMS: tuple[tuple[str, str, int, str], ...] = (
    ("Medicine", "Emergency Department", 276, "ed"),
    ("Medicine", "Acute Medical Unit", 150, "ward"),
    ("Medicine", "Ward 7 – Respiratory", 77, "ward"),
    ("Medicine", "Ward 8 – Gastroenterology", 68, "ward"),
    ("Medicine", "Ward 10 – Elderly Care", 87, "ward"),
    ("Medicine", "Ward 11 – Stroke Unit", 75, "ward"),
    ("Medicine", "Renal Dialysis Unit", 73, "day_unit"),
    ("Medicine", "Endoscopy Unit", 47, "day_unit"),
    ("Medicine", "Frailty Assessment Unit", 17, "ward"),
    ("Medicine", "Medical Day Case Unit", 10, "day_unit"),
    ("Medicine", "Medicine – Medical Staff", 165, "medical"),
    ("Medicine", "Emergency Medicine – Medical Staff", 75, "medical"),
    ("Surgery and Theatres", "Main Theatres", 295, "theatres"),
    ("Surgery and Theatres", "Day Surgery Unit", 98, "day_unit"),
    ("Surgery and Theatres", "Critical Care Unit", 206, "critical_care"),
    ("Surgery and Theatres", "Ward 3 – General Surgery", 80, "ward"),
    ("Surgery and Theatres", "Ward 4 – Trauma and Orthopaedics", 84, "ward"),
    ("Surgery and Theatres", "Ward 5 – Urology", 54, "ward"),
    ("Surgery and Theatres", "Surgical Assessment Unit", 61, "ward"),
    ("Surgery and Theatres", "Pre-operative Assessment", 28, "day_unit"),
    ("Surgery and Theatres", "Sterile Services", 51, "sterile"),
    ("Surgery and Theatres", "Pain Management Team", 8, "specialist_nursing"),
    ("Surgery and Theatres", "Surgery – Medical Staff", 106, "medical"),
    ("Surgery and Theatres", "Anaesthetics – Medical Staff", 92, "medical"),
    ("Women and Children's", "Labour Ward", 145, "midwifery"),
    ("Women and Children's", "Rowan Ward – Maternity", 73, "midwifery"),
    ("Women and Children's", "Community Midwifery", 94, "midwifery"),
    ("Women and Children's", "Neonatal Unit", 115, "neonatal"),
    ("Women and Children's", "Puffin Ward – Children's", 82, "ward"),
    ("Women and Children's", "Early Pregnancy Unit", 10, "specialist_nursing"),
    ("Women and Children's", "Obstetrics and Gynaecology – Medical Staff", 51, "medical"),
    ("Women and Children's", "Paediatrics – Medical Staff", 46, "medical"),
    ("Community and Integrated Care", "District Nursing – North", 115, "community_nursing"),
    ("Community and Integrated Care", "District Nursing – South", 108, "community_nursing"),
    ("Community and Integrated Care", "District Nursing – West", 89, "community_nursing"),
    ("Community and Integrated Care", "Community Rehabilitation Team", 66, "community_therapy"),
    ("Community and Integrated Care", "Larch Unit – Intermediate Care", 58, "ward"),
    ("Community and Integrated Care", "Health Visiting", 91, "health_visiting"),
    ("Community and Integrated Care", "School Nursing", 35, "health_visiting"),
    ("Community and Integrated Care", "Podiatry", 42, "therapy"),
    ("Community and Integrated Care", "Speech and Language Therapy", 33, "therapy"),
    ("Community and Integrated Care", "Community Diabetes Team", 9, "specialist_nursing"),
    ("Community and Integrated Care", "Tissue Viability", 8, "specialist_nursing"),
    ("Clinical Support Services", "Pharmacy", 129, "pharmacy"),
    ("Clinical Support Services", "Radiology", 197, "radiology"),
    ("Clinical Support Services", "Pathology", 145, "pathology"),
    ("Clinical Support Services", "Physiotherapy", 98, "therapy"),
    ("Clinical Support Services", "Occupational Therapy", 63, "therapy"),
    ("Clinical Support Services", "Dietetics", 19, "therapy"),
    ("Clinical Support Services", "Outpatients Department", 87, "outpatients"),
    ("Clinical Support Services", "Medical Records", 54, "admin"),
    ("Clinical Support Services", "Audiology", 14, "scientists"),
    ("Corporate Services", "Estates", 122, "estates"),
    ("Corporate Services", "Facilities – Domestic Services", 206, "facilities"),
    ("Corporate Services", "Catering", 70, "facilities"),
    ("Corporate Services", "Portering", 80, "facilities"),
    ("Corporate Services", "Digital Services", 84, "admin"),
    ("Corporate Services", "Finance", 63, "admin"),
    ("Corporate Services", "Human Resources", 47, "admin"),
    ("Corporate Services", "Payroll", 14, "admin"),
    ("Corporate Services", "Patient Experience", 9, "admin"),
    ("Corporate Services", "Information Governance", 8, "admin"),
)

#: Staff-group mix by kind of team (shares of headcount).
KIND_MIX: dict[str, dict[str, float]] = {
    "ward": {NUR: 0.56, ACS: 0.36, ADM: 0.05, AHP: 0.03},
    "ed": {NUR: 0.58, ACS: 0.27, ADM: 0.12, AHP: 0.03},
    "theatres": {NUR: 0.42, AHP: 0.20, ACS: 0.26, ADM: 0.06, EST: 0.06},
    "critical_care": {NUR: 0.78, ACS: 0.12, AHP: 0.06, ADM: 0.04},
    "day_unit": {NUR: 0.55, ACS: 0.33, ADM: 0.12},
    "midwifery": {NUR: 0.74, ACS: 0.20, ADM: 0.06},
    "neonatal": {NUR: 0.80, ACS: 0.14, ADM: 0.06},
    "community_nursing": {NUR: 0.66, ACS: 0.24, ADM: 0.10},
    "health_visiting": {NUR: 0.68, ACS: 0.20, ADM: 0.12},
    "community_therapy": {AHP: 0.58, ACS: 0.22, NUR: 0.10, ADM: 0.10},
    "therapy": {AHP: 0.76, ACS: 0.16, ADM: 0.08},
    "specialist_nursing": {NUR: 0.80, ADM: 0.20},
    "pharmacy": {APST: 0.78, ADM: 0.12, ACS: 0.10},
    "radiology": {AHP: 0.56, ACS: 0.18, ADM: 0.20, NUR: 0.06},
    "pathology": {HCS: 0.66, ACS: 0.16, ADM: 0.18},
    "scientists": {HCS: 0.74, ACS: 0.12, ADM: 0.14},
    "outpatients": {NUR: 0.32, ACS: 0.40, ADM: 0.28},
    "admin": {ADM: 1.0},
    "estates": {EST: 0.86, ADM: 0.14},
    "facilities": {EST: 0.94, ADM: 0.06},
    "sterile": {EST: 0.84, ACS: 0.10, ADM: 0.06},
}
#: Medical-staff teams: shares of each job role.
MEDICAL_ROLE_MIX = {"Consultant": 0.36, "Specialty Doctor": 0.12, "Foundation Year 1": 0.13,
                    "Foundation Year 2": 0.08, "Core Training": 0.13, "Specialty Registrar": 0.18}
#: Job roles by staff group (the role of a new employee is drawn from its group's list).
GROUP_ROLES: dict[str, tuple[str, ...]] = {
    NUR: ("Staff Nurse", "Staff Nurse", "Staff Nurse", "Sister/Charge Nurse", "Specialist Nurse Practitioner"),
    ACS: ("Healthcare Assistant", "Healthcare Assistant", "Support Worker", "Assistant Practitioner"),
    AHP: ("Physiotherapist", "Occupational Therapist", "Radiographer - Diagnostic", "Dietitian",
          "Speech and Language Therapist", "Podiatrist", "Operating Department Practitioner"),
    APST: ("Pharmacist", "Technician", "Technician"),
    HCS: ("Biomedical Scientist", "Healthcare Science Practitioner", "Healthcare Science Associate"),
    ADM: ("Administrator", "Clerical Worker", "Receptionist", "Manager", "Officer"),
    EST: ("Domestic", "Porter", "Catering Assistant", "Maintenance Craftsperson", "Technician"),
}
#: Roles by kind of team where the group list would be odd (e.g. midwives on a labour ward).
KIND_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("midwifery", NUR): ("Midwife", "Midwife", "Midwife", "Midwife - Manager"),
    ("midwifery", ACS): ("Maternity Care Assistant",),
    ("health_visiting", NUR): ("Health Visitor", "Health Visitor", "School Nurse"),
    ("community_nursing", NUR): ("Community Nurse", "Community Nurse", "District Nurse"),
    ("theatres", AHP): ("Operating Department Practitioner",),
    ("theatres", EST): ("Porter",),
    ("radiology", AHP): ("Radiographer - Diagnostic",),
    ("therapy", AHP): ("Physiotherapist", "Occupational Therapist", "Dietitian", "Podiatrist",
                       "Speech and Language Therapist"),
    ("community_therapy", AHP): ("Physiotherapist", "Occupational Therapist"),
    ("facilities", EST): ("Domestic", "Porter", "Catering Assistant"),
    ("estates", EST): ("Maintenance Craftsperson", "Estates Officer", "Technician"),
    ("sterile", EST): ("Sterile Services Technician",),
    ("scientists", HCS): ("Healthcare Science Practitioner", "Clinical Scientist", "Healthcare Science Associate"),
    ("pathology", HCS): ("Biomedical Scientist", "Biomedical Scientist", "Healthcare Science Associate"),
}
#: Roles of allied health professionals in single-profession teams.
TEAM_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Physiotherapy", AHP): ("Physiotherapist",),
    ("Occupational Therapy", AHP): ("Occupational Therapist",),
    ("Dietetics", AHP): ("Dietitian",),
    ("Podiatry", AHP): ("Podiatrist",),
    ("Speech and Language Therapy", AHP): ("Speech and Language Therapist",),
}
#: Leaving-hazard multipliers by staff group (consultants and specialty doctors use MED).
LEAVER_GROUP_MULTIPLIER = {NUR: 1.0, ACS: 1.25, AHP: 1.05, APST: 0.95, HCS: 0.85, ADM: 0.95, EST: 1.05,
                           MED: 0.55}
#: Sickness-rate multipliers by staff group (doctors in training too).
SICKNESS_GROUP_MULTIPLIER = {NUR: 1.1, ACS: 1.35, AHP: 0.8, APST: 0.75, HCS: 0.85, ADM: 0.9, EST: 1.35,
                             MED: 0.35}
#: Response-rate multipliers by staff group.
RESPONSE_GROUP_MULTIPLIER = {NUR: 1.0, ACS: 0.85, AHP: 1.15, APST: 1.1, HCS: 1.1, ADM: 1.2, EST: 0.7,
                             MED: 0.8}
#: Contracted hours per week (FTE = hours / 37.5, to 4 decimals) of part-time staff.
PART_TIME_HOURS = (15.0, 18.75, 20.0, 22.5, 24.0, 26.25, 27.5, 30.0, 32.0, 33.75)
PART_TIME_SHARE = 0.38
#: Vacancy gap between a leaver and the replacement's start (days): 21 + Gamma(2, 28).
VACANCY_GAP_MIN_DAYS = 21
#: Share of replacement starts filled by a former employee coming back (a second assignment number).
REHIRE_SHARE = 0.04
LEAVING_REASONS = (
    ("Voluntary Resignation - Relocation", 0.20), ("Voluntary Resignation - Work Life Balance", 0.18),
    ("Voluntary Resignation - Promotion", 0.14), ("Voluntary Resignation - Better Reward Package", 0.06),
    ("Voluntary Resignation - Other/Not Known", 0.12), ("Retirement Age", 0.12),
    ("End of Fixed Term Contract", 0.06), ("Voluntary Resignation - Incompatible Working Relationships", 0.03),
    ("Voluntary Resignation - Health", 0.03), ("Voluntary Resignation - Lack of Opportunities", 0.04),
    ("Dismissal - Capability", 0.02),
)
#: Sickness durations: (share, reasons) per class; short 1-7 days, medium 8-27, long-term 28+.
SHORT_DAYS_P = (0.30, 0.22, 0.15, 0.10, 0.09, 0.07, 0.07)
SHORT_SHARE, MEDIUM_SHARE = 0.72, 0.20
LONG_MEAN_EXTRA_DAYS = 60
SHORT_REASONS = (("S13 Cold, Cough, Flu - Influenza", 0.34), ("S25 Gastrointestinal problems", 0.26),
                 ("S16 Headache / migraine", 0.10), ("S27 Infectious diseases", 0.10),
                 ("S11 Back Problems", 0.06), ("S98 Other known causes - not elsewhere classified", 0.10),
                 ("S99 Unknown causes / Not specified", 0.04))
LONGER_REASONS = (("S10 Anxiety/stress/depression/other psychiatric illnesses", 0.34),
                  ("S12 Other musculoskeletal problems", 0.16), ("S11 Back Problems", 0.08),
                  ("S28 Injury, fracture", 0.08), ("S18 Genitourinary & gynaecological disorders", 0.06),
                  ("S19 Heart, cardiac & circulatory problems", 0.04),
                  ("S17 Benign and malignant tumours, cancers", 0.05),
                  ("S13 Cold, Cough, Flu - Influenza", 0.06), ("S25 Gastrointestinal problems", 0.06),
                  ("S98 Other known causes - not elsewhere classified", 0.07))

# --- Files ---------------------------------------------------------------------------------------
SURVEY_2023_FILE = "survey_2023.csv"
SURVEY_2024_FILE = "survey_2024.xlsx"
SURVEY_2025_FILE = "survey_2025.csv"
STAFF_FILE = "hr_staff_esr.csv"
ABSENCE_FILE = "hr_absence_esr.csv"
TEAM_MONTH_FILE = "hr_team_month.csv"
PLANTED_FILE = "planted_team_parameters.csv"
#: The survey exports, oldest wave first, and the HR files (employee level; team-month aggregates).
SURVEY_FILES = (SURVEY_2023_FILE, SURVEY_2024_FILE, SURVEY_2025_FILE)
HR_EMPLOYEE_FILES = (STAFF_FILE, ABSENCE_FILE)
FILES = (SURVEY_2023_FILE, SURVEY_2024_FILE, SURVEY_2025_FILE, STAFF_FILE, ABSENCE_FILE, TEAM_MONTH_FILE,
         PLANTED_FILE)

STAFF_COLUMNS = ("Employee Number", "Assignment Number", "Directorate", "Organisation", "Staff Group",
                 "Job Role", "Assignment Category", "Assignment Start Date", "Termination Date",
                 "Leaving Reason", "FTE")
ABSENCE_COLUMNS = ("Employee Number", "Absence Start Date", "Absence End Date", "FTE Days Lost", "Reason")
TEAM_MONTH_COLUMNS = ("Directorate", "Team", "Month", "Staff in post", "Leavers", "FTE days lost",
                      "FTE days available")

#: Question stems (matrix headings) by question number, as exports prefix them.
STEMS = {
    "q2": "How often, if at all, do you feel this way about your job?",
    "q3": "To what extent do you agree or disagree with the following statements about your work?",
    "q5": "How often, if at all, do the following statements apply to you?",
    "q6": "To what extent do you agree or disagree with the following statement about your role?",
    "q7": "To what extent do you agree or disagree with the following statements about your team?",
    "q8": "To what extent do you agree or disagree with the following statements about the people you work with?",
    "q9": "To what extent do you agree or disagree with the following statements about your immediate manager?",
    "q25": "To what extent do you agree or disagree with the following statements about your organisation?",
    "q26": "To what extent do you agree or disagree with the following statements?",
}
#: Qualtrics question ids (QID numbers) by question number.
QUALTRICS_QID = {"q2": 4, "q3": 5, "q5": 7, "q6": 8, "q7": 9, "q8": 10, "q9": 12, "q25": 28, "q26": 29}
#: A fixed date-time for workbook metadata and zip entries (the files must not change between runs).
FIXED_TIMESTAMP = dt.datetime(2025, 12, 1, 9, 0, 0)
FREE_TEXT_COMMENTS = (
    "My manager always makes time to listen, even when the ward is busy.",
    "We need more staff on nights – it’s not safe some weeks.",
    "Parking is a constant problem.",
    "The team is supportive but we’re exhausted.",
    "Would like more access to training and development.",
    "Communication from senior leaders could be better.",
    "I feel valued by my team.",
    "Rotas are published too late to plan childcare.",
)


# =================================================================================================
# Small helpers
# =================================================================================================

def _rng(part: int) -> np.random.Generator:
    return np.random.default_rng([SEED, part])


def _ordinal(d: dt.date) -> int:
    return d.toordinal()


def _date_text(ordinal: int) -> str:
    """dd/mm/yyyy, as ESR reports show dates."""
    return dt.date.fromordinal(int(ordinal)).strftime("%d/%m/%Y")


def _fixed4(units: int) -> str:
    """A quantity held in ten-thousandths written with 2 to 4 decimals (0.6 -> '0.60', 0.7333)."""
    text = f"{units // 10000}.{units % 10000:04d}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


def _months() -> list[tuple[int, int, int, int]]:
    """(year, month, first day ordinal, last day ordinal) from April 2022 to December 2025."""
    out = []
    year, month = PERIOD_START.year, PERIOD_START.month
    while (year, month) <= (PERIOD_END.year, PERIOD_END.month):
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        out.append((year, month, first.toordinal(), nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return out


def hr_wave_of_month(year: int, month: int) -> int:
    """The survey wave whose team score drives HR hazards in a month (the survey's financial year;
    the 2023 wave also covers April 2022 - March 2023, before the first survey)."""
    fy = year if month >= 4 else year - 1
    return max(2023, min(2025, fy))


def _weighted_choice(rng: np.random.Generator, options, size=None):
    labels = [o[0] for o in options]
    p = np.array([o[1] for o in options], dtype=float)
    idx = rng.choice(len(labels), size=size, p=p / p.sum())
    if size is None:
        return labels[int(idx)]
    return [labels[i] for i in idx]


def _largest_remainder(total: int, shares: dict[str, float]) -> dict[str, int]:
    keys = list(shares)
    raw = np.array([shares[k] for k in keys]) / sum(shares.values()) * total
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    for i in order[: total - counts.sum()]:
        counts[i] += 1
    return {k: int(c) for k, c in zip(keys, counts)}


def _first_wednesday(year: int, month: int) -> int:
    d = dt.date(year, month, 1)
    return (d + dt.timedelta(days=(2 - d.weekday()) % 7)).toordinal()


# =================================================================================================
# The trust
# =================================================================================================

@dataclass
class SampleTrust:
    """Everything simulated, before it is written in export shapes.

    Attributes
    ----------
    teams
        One row per team: ``directorate, team, headcount, kind, trajectory, cl_2023, cl_2024, cl_2025,
        leaver_noise, sickness_noise``.
    assignments
        One row per assignment: ``employee_number, assignment_number, directorate, team, staff_group,
        job_role, category, start (ordinal), termination (ordinal or -1), leaving_reason, fte_units``
        (FTE in ten-thousandths).
    absences
        One row per sickness episode: ``employee_number, assignment_row, start, end (ordinals, end
        inclusive), fte_days_units (ten-thousandths), reason``.
    responses
        Wave -> one row per respondent: ``respondent, team, directorate, staff_group, completed
        (ordinal), seconds`` and one column per item holding the written position 1-5 in the scale's
        wording order (``NaN`` blank, ``0`` "Don't know").
    """

    teams: pd.DataFrame
    assignments: pd.DataFrame
    absences: pd.DataFrame
    responses: dict[int, pd.DataFrame]


def _team_levels() -> pd.DataFrame:
    rng = _rng(1)
    rows = []
    for directorate, team, headcount, kind in TEAMS:
        base = float(np.clip(rng.normal(CL_2023_MEAN, CL_2023_SD), 4.8, 8.9))
        wave_noise = rng.normal(0.0, CL_STABLE_WAVE_SD, size=2)
        leaver_noise = float(np.exp(rng.normal(0.0, LEAVER_TEAM_NOISE_SD)))
        sickness_noise = float(np.exp(rng.normal(0.0, SICKNESS_TEAM_NOISE_SD)))
        if team in TRAJECTORIES:
            start, step1, step2 = TRAJECTORIES[team]
            levels = [start, start + step1, start + step1 + step2]
            trajectory = "improving" if step1 + step2 > 0 else "declining"
        else:
            levels = [base, base + CL_TRUST_DRIFT_PER_WAVE + wave_noise[0],
                      base + 2 * CL_TRUST_DRIFT_PER_WAVE + wave_noise[0] + wave_noise[1]]
            trajectory = "stable"
        rows.append(dict(directorate=directorate, team=team, headcount=headcount, kind=kind,
                         trajectory=trajectory, cl_2023=round(levels[0], 3), cl_2024=round(levels[1], 3),
                         cl_2025=round(levels[2], 3), leaver_noise=round(leaver_noise, 4),
                         sickness_noise=round(sickness_noise, 4)))
    missing = set(TRAJECTORIES) - {r["team"] for r in rows}
    if missing:
        raise ValueError(f"TRAJECTORIES names unknown teams: {sorted(missing)}")
    return pd.DataFrame(rows)


class _Numbers:
    """Unique random 8-digit employee numbers."""

    def __init__(self, rng: np.random.Generator) -> None:
        draws = rng.integers(10_000_000, 100_000_000, size=40_000)
        self._pool = list(pd.unique(draws))
        self._next = 0

    def take(self) -> int:
        value = int(self._pool[self._next])
        self._next += 1
        return value


def _fte_units(rng: np.random.Generator, group: str, role: str) -> int:
    if role in TRAINEE_ROLES:
        part = rng.random() < 0.08
        hours = 30.0 if part else 37.5
    elif group == MED:
        part = rng.random() < 0.2
        hours = 30.0 if part else 37.5
    elif rng.random() < PART_TIME_SHARE:
        hours = float(rng.choice(PART_TIME_HOURS))
    else:
        hours = 37.5
    return int(round(hours / 37.5 * 10000))


def _role(rng: np.random.Generator, team: str, kind: str, group: str) -> str:
    roles = TEAM_ROLES.get((team, group)) or KIND_ROLES.get((kind, group)) or GROUP_ROLES[group]
    return str(roles[int(rng.integers(len(roles)))])


def _simulate_assignments(teams: pd.DataFrame) -> pd.DataFrame:
    rng = _rng(2)
    numbers = _Numbers(_rng(3))
    months = _months()
    start_ord, end_ord = _ordinal(PERIOD_START), _ordinal(PERIOD_END)
    rows: list[dict] = []

    def new_row(team_row, group, role, start, category=None) -> dict:
        row = dict(employee_number=numbers.take(), assignment_number="", directorate=team_row.directorate,
                   team=team_row.team, staff_group=group, job_role=role,
                   category=category or ("Fixed Term Temp" if rng.random() < 0.06 else "Permanent"),
                   start=int(start), termination=-1, leaving_reason="", fte_units=_fte_units(rng, group, role))
        rows.append(row)
        return row

    for team_row in teams.itertuples(index=False):
        levels = {2023: team_row.cl_2023, 2024: team_row.cl_2024, 2025: team_row.cl_2025}
        if team_row.kind == "medical":
            role_counts = _largest_remainder(team_row.headcount, MEDICAL_ROLE_MIX)
            slots = [(MED, role) for role, n in role_counts.items() for _ in range(n)]
        else:
            group_counts = _largest_remainder(team_row.headcount, KIND_MIX[team_row.kind])
            slots = [(group, None) for group, n in group_counts.items() for _ in range(n)]

        active: list[dict] = []
        pending: list[tuple[int, str, str]] = []
        for group, role in slots:
            if role in TRAINEE_ROLES:
                _trainee_post(team_row, role, new_row)
                continue
            role = role or _role(rng, team_row.team, team_row.kind, group)
            tenure_days = int(min(38 * 365, 14 + rng.exponential(7.5 * 365)))
            active.append(new_row(team_row, group, role, start_ord - tenure_days))

        for year, month, first, last in months:
            starting = [p for p in pending if first <= p[0] <= last]
            pending = [p for p in pending if p[0] > last]
            for start, group, role in sorted(starting):
                active.append(new_row(team_row, group, role, start))
            level = levels[hr_wave_of_month(year, month)]
            effect = math.exp(LEAVER_LOG_RATE_PER_POINT * (level - CL_REFERENCE))
            draws = rng.random(len(active))
            still: list[dict] = []
            for row, u in zip(active, draws):
                exposure_from = max(first, row["start"])
                exposure = last - exposure_from + 1
                new_starter = (first - row["start"]) < 365
                hazard = (LEAVER_BASE_HAZARD * LEAVER_GROUP_MULTIPLIER[row["staff_group"]]
                          * (NEW_STARTER_HAZARD_MULTIPLIER if new_starter else 1.0)
                          * team_row.leaver_noise * effect)
                if u < 1.0 - math.exp(-hazard * exposure / 365.0):
                    if rng.random() < 0.3:
                        termination = last
                    else:
                        termination = int(rng.integers(exposure_from, last + 1))
                    row["termination"] = termination
                    row["leaving_reason"] = _weighted_choice(rng, LEAVING_REASONS)
                    gap = VACANCY_GAP_MIN_DAYS + int(rng.gamma(2.0, 28.0))
                    if termination + gap <= end_ord:
                        pending.append((termination + gap, row["staff_group"], row["job_role"]))
                else:
                    still.append(row)
            active = still

    frame = pd.DataFrame(rows)
    frame = _apply_rehires(frame, rng)
    return frame


def _trainee_post(team_row, role: str, new_row) -> None:
    """A doctor-in-training post: a new doctor at each national changeover (first Wednesday of April,
    August and December for foundation years; of February and August for core and specialty training)."""
    months = (4, 8, 12) if role.startswith("Foundation") else (2, 8)
    changeovers = sorted(_first_wednesday(y, m) for y in range(2021, 2027) for m in months)
    start_ord, end_ord = _ordinal(PERIOD_START), _ordinal(PERIOD_END)
    for begin, nxt in zip(changeovers, changeovers[1:]):
        if nxt <= start_ord or begin > end_ord:
            continue
        row = new_row(team_row, MED, role, begin, category="Fixed Term Temp")
        if nxt - 1 <= end_ord:
            row["termination"] = nxt - 1
            row["leaving_reason"] = "End of Fixed Term Contract - Completion of Training Scheme"


def _apply_rehires(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Give a few starters the employee number of a former employee of the same staff group who left
    at least 120 days earlier: a second assignment number ("-2") for the same person."""
    frame = frame.copy()
    start_ord = _ordinal(PERIOD_START)
    trainee = frame["job_role"].isin(TRAINEE_ROLES)
    starters = frame.index[(frame["start"] >= start_ord + 180) & ~trainee]
    leavers = frame[(frame["termination"] >= 0) & ~trainee].sort_values(["termination", "employee_number"])
    used: set[int] = set()
    for idx in starters:
        if rng.random() >= REHIRE_SHARE:
            continue
        row = frame.loc[idx]
        candidates = leavers[(leavers["staff_group"] == row["staff_group"])
                             & (leavers["termination"] <= row["start"] - 120)
                             & ~leavers.index.isin(list(used))]
        if candidates.empty:
            continue
        pick = candidates.index[int(rng.integers(len(candidates)))]
        used.add(pick)
        used.add(idx)
        frame.loc[idx, "employee_number"] = frame.loc[pick, "employee_number"]
        frame.loc[idx, "assignment_number"] = f"{frame.loc[pick, 'employee_number']}-2"
    blank = frame["assignment_number"] == ""
    frame.loc[blank, "assignment_number"] = frame.loc[blank, "employee_number"].astype(str)
    return frame


def _simulate_absences(teams: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Sickness episodes of every assignment, one after another (never overlapping), within its
    employment. Staff already in post on 1 April 2022 are simulated from a year earlier so that
    long-term absences running on that date are present; episodes ending before it are dropped."""
    rng = _rng(4)
    start_ord, end_ord = _ordinal(PERIOD_START), _ordinal(PERIOD_END)
    team_info = teams.set_index("team")
    season = {m: 1.0 + SICKNESS_SEASONAL_AMPLITUDE * math.cos(2 * math.pi * (m - 1) / 12) for m in range(1, 13)}
    short_p = np.array(SHORT_DAYS_P) / sum(SHORT_DAYS_P)
    out = []
    for pos, a in enumerate(assignments.itertuples(index=False)):
        begin = max(a.start, start_ord - 365)
        finish = end_ord if a.termination < 0 else a.termination
        if finish < max(begin, start_ord):
            continue
        info = team_info.loc[a.team]
        effect = {w: math.exp(SICKNESS_LOG_RATE_PER_POINT * (info[f"cl_{w}"] - CL_REFERENCE)) for w in WAVES}
        base = (SICKNESS_EPISODES_PER_YEAR / 365.0 * SICKNESS_GROUP_MULTIPLIER[a.staff_group]
                * info.sickness_noise)
        rate_max = base * (1.0 + SICKNESS_SEASONAL_AMPLITUDE) * max(effect.values())
        day = begin - 1
        while True:
            day = day + 1 + int(rng.exponential(1.0 / rate_max))
            if day > finish:
                break
            when = dt.date.fromordinal(day)
            rate = base * season[when.month] * effect[hr_wave_of_month(when.year, when.month)]
            if rng.random() >= rate / rate_max:
                continue
            u = rng.random()
            if u < SHORT_SHARE:
                days = 1 + int(rng.choice(len(short_p), p=short_p))
                reason = _weighted_choice(rng, SHORT_REASONS)
            elif u < SHORT_SHARE + MEDIUM_SHARE:
                days = int(rng.integers(8, 28))
                reason = _weighted_choice(rng, LONGER_REASONS)
            else:
                days = 28 + int(min(330, rng.exponential(LONG_MEAN_EXTRA_DAYS)))
                reason = _weighted_choice(rng, LONGER_REASONS)
            end = min(day + days - 1, finish)
            if end >= start_ord:
                out.append(dict(employee_number=a.employee_number, assignment_row=pos, start=day, end=end,
                                fte_days_units=a.fte_units * (end - day + 1), reason=reason))
            day = end  # the next episode starts after this one ends
    return pd.DataFrame(out)


# --- Survey -------------------------------------------------------------------------------------

def _expected_item_score(latent_mean: np.ndarray) -> np.ndarray:
    """Expected 0-10 item score when the latent answer is Normal(latent_mean, sqrt(PERSON_SD^2 +
    ITEM_NOISE_SD^2)) and is cut at CUTS: 2.5 x sum over cuts of P(latent > cut)."""
    sd = math.hypot(PERSON_SD, ITEM_NOISE_SD)
    return 2.5 * sum(ndtr((latent_mean - c) / sd) for c in CUTS)


def _solve_intercepts(targets: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Latent intercepts mu with mean_j E[score | mu + offset_j] = target (bisection, vectorised)."""
    lo = np.full(targets.shape, -15.0)
    hi = np.full(targets.shape, 25.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        value = np.mean([_expected_item_score(mid + o) for o in offsets], axis=0)
        below = value < targets
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


def simulated_items(codebook: Codebook) -> list[str]:
    """The questions the model simulates, in codebook order (the codebook may define more, e.g. the
    diversity and equality questions, which the fictional trust's exports do not hold)."""
    simulated = {code for spec in BLOCKS.values() for code in spec["items"]}
    return [code for code in codebook.items if code in simulated]


def _simulate_responses(teams: pd.DataFrame, assignments: pd.DataFrame, codebook: Codebook
                        ) -> dict[int, pd.DataFrame]:
    rng = _rng(5)
    items = simulated_items(codebook)
    team_index = {t: i for i, t in enumerate(teams["team"])}
    team_response = np.exp(rng.normal(0.0, RESPONSE_TEAM_SD, size=len(teams)))
    block_team_noise = {b: rng.normal(0.0, spec["team_sd"], size=len(teams)) for b, spec in BLOCKS.items()}
    out: dict[int, pd.DataFrame] = {}
    for wave in WAVES:
        census = _ordinal(SURVEY_CENSUS[wave])
        in_post = assignments[(assignments["start"] <= census)
                              & ((assignments["termination"] < 0) | (assignments["termination"] >= census))]
        t_idx = in_post["team"].map(team_index).to_numpy()
        p = (RESPONSE_RATE * in_post["staff_group"].map(RESPONSE_GROUP_MULTIPLIER).to_numpy()
             * team_response[t_idx])
        responds = rng.random(len(in_post)) < np.clip(p, 0.05, 0.95)
        resp = in_post[responds]
        n = len(resp)
        t_idx = resp["team"].map(team_index).to_numpy()
        cl = teams[f"cl_{wave}"].to_numpy()
        z_cl = rng.standard_normal(n)
        wellbeing = rng.standard_normal(n)
        positions = {}
        for block, spec in BLOCKS.items():
            codes = spec["items"]
            offsets = np.array([ITEM_OFFSETS[c] for c in codes])
            targets = spec["target"] + spec["slope"] * (cl - CL_REFERENCE) + block_team_noise[block]
            intercepts = _solve_intercepts(np.clip(targets, 0.8, 9.6), offsets)
            own = rng.standard_normal(n)
            rest = math.sqrt(1 - spec["loading"] ** 2)
            person = PERSON_SD * (spec["loading"] * z_cl + rest * (math.sqrt(spec["wellbeing"]) * wellbeing
                                                                    + math.sqrt(1 - spec["wellbeing"]) * own))
            for code, offset in zip(codes, offsets):
                latent = intercepts[t_idx] + offset + person + ITEM_NOISE_SD * rng.standard_normal(n)
                favourable = 1 + sum((latent > c).astype(int) for c in CUTS)
                positions[code] = np.where(codebook.items[code].reverse, 6 - favourable, favourable)
        answers = pd.DataFrame({code: positions[code].astype(float) for code in items})
        # straight-liners: the same answer everywhere
        straight = rng.random(n) < STRAIGHT_LINER_RATE
        same = rng.choice([2, 3, 4, 5], size=n, p=[0.1, 0.3, 0.4, 0.2])
        answers.loc[straight, :] = np.repeat(same[straight, None], len(items), axis=1).astype(float)
        # "Don't know" (coded 0 here), blanks, part-completed questionnaires
        for code in DONT_KNOW_ITEMS:
            dk = (rng.random(n) < DONT_KNOW_RATE) & ~straight
            answers.loc[dk, code] = 0.0
        blank = rng.random((n, len(items))) < ITEM_MISSING_RATE
        partial = rng.random(n) < PARTIAL_RATE
        stop = rng.integers(5, len(items), size=n)
        blank |= partial[:, None] & (np.arange(len(items))[None, :] >= stop[:, None])
        answers = answers.mask(blank)
        first, last = FIELDWORK[wave]
        completed = rng.integers(_ordinal(first), _ordinal(last) + 1, size=n)
        seconds = (rng.gamma(4.0, 150.0, size=n) + 180).astype(int)
        frame = pd.DataFrame({
            "team": resp["team"].to_numpy(), "directorate": resp["directorate"].to_numpy(),
            "staff_group": resp["staff_group"].to_numpy(), "completed": completed, "seconds": seconds,
            "partial": partial,
        })
        frame = pd.concat([frame, answers], axis=1)
        order = rng.permutation(n)  # exports are not sorted by team
        frame = frame.iloc[order].reset_index(drop=True)
        frame.insert(0, "respondent", _respondent_ids(rng, n, wave))
        out[wave] = frame
    return out


def _respondent_ids(rng: np.random.Generator, n: int, wave: int) -> list[str]:
    if wave == 2023:
        draws = pd.unique(rng.integers(100_000, 1_000_000, size=3 * n))[:n]
        return [str(int(d)) for d in draws]
    if wave == 2024:
        alphabet = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        return ["R_" + "".join(alphabet[rng.integers(len(alphabet), size=15)]) for _ in range(n)]
    draws = pd.unique(rng.integers(114_000_000_000, 115_000_000_000, size=3 * n))[:n]
    return [str(int(d)) for d in draws]


def build_trust() -> SampleTrust:
    """Simulate the whole trust (deterministic: fixed seed)."""
    codebook = load_codebook()
    teams = _team_levels()
    assignments = _simulate_assignments(teams)
    absences = _simulate_absences(teams, assignments)
    responses = _simulate_responses(teams, assignments, codebook)
    return SampleTrust(teams=teams, assignments=assignments, absences=absences, responses=responses)


# =================================================================================================
# Team-month aggregates (shared/design/domain.md section 3)
# =================================================================================================

def team_month_aggregates(assignments: pd.DataFrame, absences: pd.DataFrame) -> pd.DataFrame:
    """Team-month figures from assignment and sickness records, excluding doctors in training.

    Parameters
    ----------
    assignments
        ``team, directorate, job_role, start, termination (-1 while in post), fte_units`` (ordinals;
        FTE in ten-thousandths).
    absences
        ``assignment_row`` (position in ``assignments``), ``start, end`` (inclusive ordinals).

    Returns
    -------
    DataFrame
        One row per team and month from April 2022 to December 2025, columns ``directorate, team,
        month ('yyyy-mm'), staff_in_post, leavers, fte_days_lost_units, fte_days_available_units``.

    Notes
    -----
    * Someone is in post on day d when start <= d and (no termination date or d <= termination date):
      the termination date is the last day of employment.
    * Staff in post = headcount of assignments in post on the last day of the month.
    * Leavers = assignments whose termination date falls in the month.
    * FTE days available = sum of FTE x days in post in the month (calendar days).
    * FTE days lost = sum of FTE x days of sickness episodes falling in the month (an episode spanning
      two months is split between them).
    * Doctors in training (job roles in :data:`TRAINEE_ROLES`) are excluded: they rotate between
      organisations on national changeover days, and NHS leaver rates leave them out.
    """
    months = _months()
    keep = ~assignments["job_role"].isin(TRAINEE_ROLES).to_numpy()
    a = assignments.reset_index(drop=True)
    start = a["start"].to_numpy()
    term = np.where(a["termination"].to_numpy() < 0, 10**9, a["termination"].to_numpy())
    fte = a["fte_units"].to_numpy().astype(np.int64)
    teams = a["team"].to_numpy()
    team_names = list(dict.fromkeys(a["team"]))
    directorate_of = dict(zip(a["team"], a["directorate"]))
    team_codes = pd.Categorical(teams, categories=team_names).codes
    ab = absences[keep[absences["assignment_row"].to_numpy()]]
    ab_start = ab["start"].to_numpy()
    ab_end = ab["end"].to_numpy()
    ab_fte = fte[ab["assignment_row"].to_numpy()]
    ab_team = team_codes[ab["assignment_row"].to_numpy()]
    k = len(team_names)
    rows = []
    for year, month, first, last in months:
        in_post_end = keep & (start <= last) & (term >= last)
        leavers = keep & (term >= first) & (term <= last)
        days = np.clip(np.minimum(term, last) - np.maximum(start, first) + 1, 0, None) * keep
        sip = np.bincount(team_codes, weights=in_post_end, minlength=k)
        lv = np.bincount(team_codes, weights=leavers, minlength=k)
        avail = np.bincount(team_codes, weights=days * fte, minlength=k)
        ab_days = np.clip(np.minimum(ab_end, last) - np.maximum(ab_start, first) + 1, 0, None)
        lost = np.bincount(ab_team, weights=ab_days * ab_fte, minlength=k)
        for i, team in enumerate(team_names):
            rows.append(dict(directorate=directorate_of[team], team=team, month=f"{year:04d}-{month:02d}",
                             staff_in_post=int(sip[i]), leavers=int(lv[i]),
                             fte_days_lost_units=int(round(lost[i])),
                             fte_days_available_units=int(round(avail[i]))))
    return pd.DataFrame(rows)


# =================================================================================================
# Writers: the export shapes
# =================================================================================================

def _question_number(code: str) -> str:
    return re.match(r"q\d+", code).group(0)


def _csv_text(rows: list[list[object]], line_end: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerows(rows)
    return buffer.getvalue()


def _answer_cell_numeric(value: float) -> str:
    if np.isnan(value) or value == 0:  # blank and "Don't know" are both blank in the numeric export
        return ""
    return str(int(value))


def _label(codebook: Codebook, code: str, value: float, dont_know: str) -> str:
    if np.isnan(value):
        return ""
    if value == 0:
        return dont_know
    return codebook.scale_of(code).options[int(value) - 1]


def write_survey_2023(trust: SampleTrust, path: Path, codebook: Codebook) -> None:
    """NSS-code headers (``Q9f``), numeric codes 1-5, UTF-8 with a byte-order mark (Excel's
    "CSV UTF-8"), one row per respondent."""
    frame = trust.responses[2023]
    items = simulated_items(codebook)
    header = ["Respondent ID", "Survey year", "Completion date", "Directorate", "Team", "Staff group"]
    header += ["Q" + code[1:] for code in items]
    rows: list[list[object]] = [header]
    for r in frame.itertuples(index=False):
        rec = r._asdict()
        rows.append([rec["respondent"], 2023, _date_text(rec["completed"]), rec["directorate"], rec["team"],
                     rec["staff_group"]] + [_answer_cell_numeric(rec[c]) for c in items])
    path.write_bytes(_csv_text(rows).encode("utf-8-sig"))


def _label_variant(rng: np.random.Generator, label: str) -> str:
    kind = int(rng.integers(4))
    if kind == 0:
        return label.lower() + " "
    if kind == 1:
        return label.title()
    if kind == 2:
        return " " + label
    return label + "  "


def write_survey_2024(trust: SampleTrust, path: Path, codebook: Codebook) -> None:
    """Qualtrics-style workbook: an "About this export" cover sheet, then "Responses" with three
    header rows (ids, question text "<stem> - <statement>", ImportId JSON) and text labels."""
    from openpyxl import Workbook

    rng = _rng(6)
    frame = trust.responses[2024]
    items = simulated_items(codebook)
    meta = [  # (row 1 id, row 2 text, row 3 import id)
        ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
        ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
        ("Status", "Response Type", '{"ImportId":"status"}'),
        ("Progress", "Progress", '{"ImportId":"progress"}'),
        ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
        ("Finished", "Finished", '{"ImportId":"finished"}'),
        ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
        ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
        ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
        ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
        ("Directorate", "Directorate", '{"ImportId":"Directorate"}'),
        ("Team", "Team", '{"ImportId":"Team"}'),
        ("Staff group", "Staff group", '{"ImportId":"Staff group"}'),
        ("Survey year", "Survey year", '{"ImportId":"Survey year"}'),
    ]
    item_headers = []
    for code in items:
        number = _question_number(code)
        choice = ord(code[len(number):]) - ord("a") + 1
        qid = QUALTRICS_QID[number]
        item_headers.append((f"Q{number[1:]}_{choice}", f"{STEMS[number]} - {codebook.items[code].wording}",
                             f'{{"ImportId":"QID{qid}_{choice}"}}'))
    headers = meta + item_headers

    wb = Workbook(write_only=True)
    cover = wb.create_sheet("About this export")
    n = len(frame)
    first, last = FIELDWORK[2024]
    for line in (
        [f"{TRUST_NAME} – NHS Staff Survey 2024 (local copy)"],
        [],
        ["Source", "Qualtrics XM – Data & Analysis – Export data (choice text)"],
        ["Exported", "09/12/2024 14:12"],
        ["Fieldwork", f"{first.strftime('%d/%m/%Y')} to {last.strftime('%d/%m/%Y')}"],
        ["Responses", n],
        ["Team and directorate", "Attached from the staff list at invitation (embedded data)."],
        ["Reporting rule", "Do not report any group with fewer than 11 responses."],
        ["Data sheet", "Responses (three header rows: question id, question text, import id)"],
    ):
        cover.append(line)
    sheet = wb.create_sheet("Responses")
    for level in range(3):
        sheet.append([h[level] for h in headers])
    for r in frame.itertuples(index=False):
        rec = r._asdict()
        completed = dt.datetime.combine(dt.date.fromordinal(int(rec["completed"])), dt.time(8, 0)) \
            + dt.timedelta(seconds=int(rng.integers(0, 13 * 3600)))
        started = completed - dt.timedelta(seconds=int(rec["seconds"]))
        progress = int(rng.integers(35, 96)) if rec["partial"] else 100
        fmt = "%Y-%m-%d %H:%M:%S"
        values: list[object] = [
            started.strftime(fmt), completed.strftime(fmt), "IP Address", progress, int(rec["seconds"]),
            "True" if progress == 100 else "False", completed.strftime(fmt), rec["respondent"], "anonymous",
            "EN-GB", rec["directorate"], rec["team"], rec["staff_group"], 2024,
        ]
        for code in items:
            label = _label(codebook, code, rec[code], "Don't know")
            if label and rng.random() < LABEL_VARIANT_RATE:
                label = _label_variant(rng, label)
            values.append(label if label else None)
        sheet.append(values)
    wb.properties.creator = "Qualtrics"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_normalise_xlsx(buffer.getvalue()))


def _normalise_xlsx(data: bytes) -> bytes:
    """Rewrite a workbook's zip with fixed entry timestamps and a fixed modification time, so that the
    bytes do not depend on when the generator ran."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def write_survey_2025(trust: SampleTrust, path: Path, codebook: Codebook) -> None:
    """SurveyMonkey-style CSV: two header rows (question / matrix stem on row 1 over the first column
    of its matrix; "Response", the statement or "Open-Ended Response" on row 2), text labels,
    Windows-1252 encoding, CRLF line ends, US date-times."""
    rng = _rng(7)
    frame = trust.responses[2025]
    items = simulated_items(codebook)
    row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1", "Which directorate do you work in?",
            "Which team do you work in?", "Which of these best describes your staff group?"]
    row2 = [""] * 9 + ["Response", "Response", "Response"]
    previous = None
    for code in items:
        number = _question_number(code)
        row1.append(STEMS[number] if number != previous else "")
        row2.append(codebook.items[code].wording.replace("'", "’"))
        previous = number
    row1.append("Is there anything else you would like to tell us about working here?")
    row2.append("Open-Ended Response")
    rows: list[list[object]] = [row1, row2]
    for r in frame.itertuples(index=False):
        rec = r._asdict()
        completed = dt.datetime.combine(dt.date.fromordinal(int(rec["completed"])), dt.time(8, 0)) \
            + dt.timedelta(seconds=int(rng.integers(0, 13 * 3600)))
        started = completed - dt.timedelta(seconds=int(rec["seconds"]))
        fmt = "%m/%d/%Y %I:%M:%S %p"
        comment = ""
        if rng.random() < 0.06:
            comment = FREE_TEXT_COMMENTS[int(rng.integers(len(FREE_TEXT_COMMENTS)))]
        rows.append([rec["respondent"], "452817903", started.strftime(fmt), completed.strftime(fmt), "", "", "",
                     "", "", rec["directorate"], rec["team"], rec["staff_group"]]
                    + [_label(codebook, c, rec[c], "Don’t know") for c in items] + [comment])
    path.write_bytes(_csv_text(rows, "\r\n").encode("cp1252"))


def write_staff(trust: SampleTrust, path: Path) -> None:
    """ESR-style assignment list: one row per assignment, dates dd/mm/yyyy, blank termination date
    while in post."""
    a = trust.assignments.sort_values(["directorate", "team", "start", "assignment_number"], kind="stable")
    rows: list[list[object]] = [list(STAFF_COLUMNS)]
    for r in a.itertuples(index=False):
        rows.append([r.employee_number, r.assignment_number, r.directorate, r.team, r.staff_group, r.job_role,
                     r.category, _date_text(r.start), "" if r.termination < 0 else _date_text(r.termination),
                     r.leaving_reason, _fixed4(int(r.fte_units))])
    path.write_bytes(_csv_text(rows).encode("utf-8"))


def write_absence(trust: SampleTrust, path: Path) -> None:
    """ESR-style sickness episodes: one row per episode."""
    ab = trust.absences.sort_values(["employee_number", "start"], kind="stable")
    rows: list[list[object]] = [list(ABSENCE_COLUMNS)]
    for r in ab.itertuples(index=False):
        rows.append([r.employee_number, _date_text(r.start), _date_text(r.end), _fixed4(int(r.fte_days_units)),
                     r.reason])
    path.write_bytes(_csv_text(rows).encode("utf-8"))


def write_team_month(trust: SampleTrust, path: Path) -> None:
    """Team-month aggregates (doctors in training excluded), see :func:`team_month_aggregates`."""
    agg = team_month_aggregates(trust.assignments, trust.absences)
    rows: list[list[object]] = [list(TEAM_MONTH_COLUMNS)]
    for r in agg.itertuples(index=False):
        rows.append([r.directorate, r.team, r.month, r.staff_in_post, r.leavers, _fixed4(r.fte_days_lost_units),
                     _fixed4(r.fte_days_available_units)])
    path.write_bytes(_csv_text(rows).encode("utf-8"))


def write_planted(trust: SampleTrust, path: Path) -> None:
    """The answer key: each team's true scores and noise multipliers (not an export shape)."""
    t = trust.teams
    rows: list[list[object]] = [["Directorate", "Team", "Kind", "Headcount (planned)", "Trajectory",
                                 "True compassionate leadership 2023", "True compassionate leadership 2024",
                                 "True compassionate leadership 2025", "Leaver team noise multiplier",
                                 "Sickness team noise multiplier"]]
    for r in t.itertuples(index=False):
        rows.append([r.directorate, r.team, r.kind, r.headcount, r.trajectory, f"{r.cl_2023:.3f}",
                     f"{r.cl_2024:.3f}", f"{r.cl_2025:.3f}", f"{r.leaver_noise:.4f}", f"{r.sickness_noise:.4f}"])
    path.write_bytes(_csv_text(rows).encode("utf-8"))


def write_files(out_dir: Path | str = SAMPLE_DIR, only: tuple[str, ...] | list[str] | None = None,
                trust: SampleTrust | None = None) -> dict[str, Path]:
    """Write the sample files into ``out_dir`` (all of :data:`FILES`, or those named in ``only``).

    Returns file name -> path written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = tuple(FILES if only is None else only)
    unknown = set(wanted) - set(FILES)
    if unknown:
        raise ValueError(f"Unknown sample files: {sorted(unknown)}. Known: {', '.join(FILES)}.")
    trust = trust or build_trust()
    codebook = load_codebook()
    writers = {
        SURVEY_2023_FILE: lambda p: write_survey_2023(trust, p, codebook),
        SURVEY_2024_FILE: lambda p: write_survey_2024(trust, p, codebook),
        SURVEY_2025_FILE: lambda p: write_survey_2025(trust, p, codebook),
        STAFF_FILE: lambda p: write_staff(trust, p),
        ABSENCE_FILE: lambda p: write_absence(trust, p),
        TEAM_MONTH_FILE: lambda p: write_team_month(trust, p),
        PLANTED_FILE: lambda p: write_planted(trust, p),
    }
    written = {}
    for name in wanted:
        writers[name](out_dir / name)
        written[name] = out_dir / name
    return written


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Write the fictional {TRUST_NAME} sample files.")
    parser.add_argument("--out", default=str(SAMPLE_DIR), help="directory to write into (default: sample_data/)")
    parser.add_argument("--only", nargs="*", choices=FILES, help="write only these files")
    args = parser.parse_args(argv)
    for name, path in write_files(args.out, args.only).items():
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
