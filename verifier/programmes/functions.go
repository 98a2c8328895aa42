package programmes

import (
	"fmt"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// The variables of every rule.
const (
	varCredentials     = "credentials"
	varApplicationDate = "application_date"
	varParams          = "params"
)

// kst is Korea Standard Time: dates in rules are Korean calendar dates
// (Korea has kept UTC+9 without daylight saving since 1988).
var kst = time.FixedZone("KST", 9*60*60)

// dateLayout is the form of every date a rule sees: a full-date of RFC
// 3339, as the catalogue's claims carry them.
const dateLayout = time.DateOnly

// parseDate reads a YYYY-MM-DD date as midnight KST.
func parseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(dateLayout, s, kst)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// Age returns the age in full years (만 나이) on the date on of someone
// born on birth. Someone born on 29 February turns a year older on 1 March
// in a common year (Civil Act Arts. 158–160: the period ends on the last
// day of February, so the new age starts the next day) [KNOW].
func Age(birth, on time.Time) int {
	by, bm, bd := birth.Date()
	y, m, d := on.Date()
	age := y - by
	// The birthday this year; time.Date normalises 29 February of a common
	// year to 1 March.
	birthday := time.Date(y, bm, bd, 0, 0, 0, 0, time.UTC)
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if today.Before(birthday) {
		age--
	}
	return age
}

// newEnv makes the CEL environment of rules: the variables, the standard
// library and the functions below, bound to the median tables.
//
//   - credentials: map(string, dyn), the disclosed claims of each
//     credential query by its id;
//   - application_date: string, the application date (YYYY-MM-DD, KST);
//   - params: map(string, string), the programme's declared parameters.
//
// Functions (dates are YYYY-MM-DD strings; an argument of the wrong form
// is an evaluation error, and the criterion is undetermined):
//
//   - age(birthdate, on) int: full years (만 나이) on the date;
//   - days_between(from, to) int: days from one date to the other,
//     negative if to is earlier;
//   - year_of(date) int;
//   - median_year(on) int: the year of the median-income table in force on
//     the date; an error when there is none;
//   - median_income(on, household_size) int: the monthly median income in
//     KRW for the household size, from the table in force on the date;
//   - percent_of_median(monthly_income, on, household_size) double: the
//     income as a percentage of that median income.
func newEnv(tables *MedianTables) (*cel.Env, error) {
	str := func(v ref.Val) (string, ref.Val) {
		s, ok := v.(types.String)
		if !ok {
			return "", types.NewErr("want a date string, got %s", v.Type().TypeName())
		}
		return string(s), nil
	}
	date := func(v ref.Val) (time.Time, ref.Val) {
		s, bad := str(v)
		if bad != nil {
			return time.Time{}, bad
		}
		t, err := parseDate(s)
		if err != nil {
			return time.Time{}, types.WrapErr(err)
		}
		return t, nil
	}
	integer := func(v ref.Val) (int64, ref.Val) {
		switch n := v.(type) {
		case types.Int:
			return int64(n), nil
		case types.Double:
			if float64(n) == float64(int64(n)) {
				return int64(n), nil
			}
		}
		return 0, types.NewErr("want an integer, got %v", v)
	}
	median := func(on, size ref.Val) (int64, ref.Val) {
		d, bad := date(on)
		if bad != nil {
			return 0, bad
		}
		n, bad := integer(size)
		if bad != nil {
			return 0, bad
		}
		krw, err := tables.Income(d, n)
		if err != nil {
			return 0, types.WrapErr(err)
		}
		return krw, nil
	}
	strType, intType := cel.StringType, cel.IntType
	return cel.NewEnv(
		cel.Variable(varCredentials, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(varApplicationDate, cel.StringType),
		cel.Variable(varParams, cel.MapType(cel.StringType, cel.StringType)),
		cel.ParserExpressionSizeLimit(maxRuleBytes),
		cel.Function("age",
			cel.Overload("age_string_string", []*cel.Type{strType, strType}, intType,
				cel.BinaryBinding(func(b, on ref.Val) ref.Val {
					bt, bad := date(b)
					if bad != nil {
						return bad
					}
					ot, bad := date(on)
					if bad != nil {
						return bad
					}
					if ot.Before(bt) {
						return types.NewErr("age: born %s, after %s", bt.Format(dateLayout), ot.Format(dateLayout))
					}
					return types.Int(Age(bt, ot))
				}))),
		cel.Function("days_between",
			cel.Overload("days_between_string_string", []*cel.Type{strType, strType}, intType,
				cel.BinaryBinding(func(from, to ref.Val) ref.Val {
					f, bad := date(from)
					if bad != nil {
						return bad
					}
					t, bad := date(to)
					if bad != nil {
						return bad
					}
					// Both are midnights of a zone without daylight saving.
					return types.Int((t.Unix() - f.Unix()) / (24 * 60 * 60))
				}))),
		cel.Function("year_of",
			cel.Overload("year_of_string", []*cel.Type{strType}, intType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					d, bad := date(v)
					if bad != nil {
						return bad
					}
					return types.Int(d.Year())
				}))),
		cel.Function("median_year",
			cel.Overload("median_year_string", []*cel.Type{strType}, intType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					d, bad := date(v)
					if bad != nil {
						return bad
					}
					t, err := tables.table(d)
					if err != nil {
						return types.WrapErr(err)
					}
					return types.Int(t.Year)
				}))),
		cel.Function("median_income",
			cel.Overload("median_income_string_int", []*cel.Type{strType, intType}, intType,
				cel.BinaryBinding(func(on, size ref.Val) ref.Val {
					krw, bad := median(on, size)
					if bad != nil {
						return bad
					}
					return types.Int(krw)
				}))),
		cel.Function("percent_of_median",
			cel.Overload("percent_of_median_int_string_int", []*cel.Type{intType, strType, intType}, cel.DoubleType,
				cel.FunctionBinding(func(args ...ref.Val) ref.Val {
					income, bad := integer(args[0])
					if bad != nil {
						return bad
					}
					if income < 0 {
						return types.NewErr("percent_of_median: a negative income")
					}
					krw, bad := median(args[1], args[2])
					if bad != nil {
						return bad
					}
					return types.Double(float64(income) * 100 / float64(krw))
				}))),
	)
}
