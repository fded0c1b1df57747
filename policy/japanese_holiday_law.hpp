#pragma once
// The national holidays of Japan by rule (国民の祝日に関する法律, as amended in 2018; valid from
// 2022 — 2020 and 2021 moved three holidays for the Olympics), including substitute holidays
// (振替休日) and citizens' holidays (国民の休日). Not what the site uses — that is the published
// list in policy/data/syukujitsu.csv — but the independent check of that list, and the source
// of its not-yet-published years (the equinoxes are fixed by the Cabinet Office each February
// for the next year; until then, the standard formula below).
#include <vector>

#include "policy/holiday_calendar.hpp"

namespace sekimori::policy {

inline constexpr int kFirstYearOfTheseRules = 2022;
inline constexpr int kLastYearOfTheEquinoxFormula = 2099;

// Day of March / September of the equinox, by the formula used for 1980..2099:
// floor(20.8431 + 0.242194 (Y - 1980) - floor((Y - 1980) / 4)), 23.2488 for September.
int vernalEquinoxDay(int year);
int autumnalEquinoxDay(int year);

// Every holiday of `year` in date order, named as the Cabinet Office names them ("休日" for
// substitute and citizens' holidays), with their kinds. Years outside
// kFirstYearOfTheseRules..kLastYearOfTheEquinoxFormula yield an empty list.
std::vector<Holiday> japaneseHolidaysByLaw(int year);

}  // namespace sekimori::policy
