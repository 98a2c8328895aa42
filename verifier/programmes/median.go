package programmes

import (
	"fmt"
	"slices"
	"time"
)

// Provenance tags, as domain/SEOUL.md uses them: found in a public source,
// background knowledge not re-checked, or a reconstruction of ours.
const (
	TagSource         = "SRC"
	TagKnowledge      = "KNOW"
	TagReconstruction = "RECON"
)

// MedianTable is the standard median income (기준 중위소득) of one year,
// as the Ministry of Health and Welfare announces it: monthly, in KRW, by
// household size. It applies to the calendar year (1 January to 31
// December, Korean time).
type MedianTable struct {
	Year int `json:"year"`
	// Source says where the year's figures come from.
	Source string `json:"source"`
	// Sizes are the figures for households of 1, 2, … persons, in order.
	Sizes []MedianFigure `json:"sizes"`
}

// MedianFigure is the median income of one household size.
type MedianFigure struct {
	HouseholdSize int   `json:"household_size"`
	KRW           int64 `json:"krw"`
	// Tag is TagSource or TagKnowledge (domain/SEOUL.md §2.1).
	Tag string `json:"tag"`
}

// LargerHouseholds says how households larger than a table's largest size
// are computed.
type LargerHouseholds struct {
	// Rule is "add-last-difference": each person beyond the largest size
	// adds the difference between the two largest sizes.
	Rule string `json:"rule"`
	Tag  string `json:"tag"`
	Note string `json:"note,omitempty"`
}

// MedianTables are the median-income tables a catalogue's rules use,
// chosen by the application date.
type MedianTables struct {
	Name             Text              `json:"name"`
	Source           string            `json:"source"`
	Years            []MedianTable     `json:"years"`
	LargerHouseholds *LargerHouseholds `json:"larger_households,omitempty"`
}

// check lists what is wrong with the tables.
func (m *MedianTables) check() []string {
	var bad []string
	if len(m.Years) == 0 {
		bad = append(bad, "years: no table")
	}
	for i, y := range m.Years {
		where := fmt.Sprintf("years[%d]", i)
		if y.Year < 2000 || y.Year > 2100 {
			bad = append(bad, fmt.Sprintf("%s.year: %d is not a year between 2000 and 2100", where, y.Year))
		}
		if slices.ContainsFunc(m.Years[:i], func(o MedianTable) bool { return o.Year == y.Year }) {
			bad = append(bad, fmt.Sprintf("%s.year: %d has two tables", where, y.Year))
		}
		if y.Source == "" {
			bad = append(bad, where+".source: say where the figures come from")
		}
		if len(y.Sizes) == 0 || len(y.Sizes) > 20 {
			bad = append(bad, where+".sizes: 1 to 20 household sizes")
		}
		for j, f := range y.Sizes {
			fw := fmt.Sprintf("%s.sizes[%d]", where, j)
			if f.HouseholdSize != j+1 {
				bad = append(bad, fmt.Sprintf("%s.household_size: %d, want %d (sizes in order from 1)", fw, f.HouseholdSize, j+1))
			}
			if f.KRW <= 0 || f.KRW > 1_000_000_000 {
				bad = append(bad, fmt.Sprintf("%s.krw: %d is not a monthly income in KRW", fw, f.KRW))
			}
			if j > 0 && f.KRW <= y.Sizes[j-1].KRW {
				bad = append(bad, fmt.Sprintf("%s.krw: %d is not more than the smaller household's %d", fw, f.KRW, y.Sizes[j-1].KRW))
			}
			if f.Tag != TagSource && f.Tag != TagKnowledge {
				bad = append(bad, fmt.Sprintf("%s.tag: %q is neither %s nor %s", fw, f.Tag, TagSource, TagKnowledge))
			}
		}
	}
	if l := m.LargerHouseholds; l != nil {
		if l.Rule != "add-last-difference" {
			bad = append(bad, fmt.Sprintf("larger_households.rule: %q is not add-last-difference", l.Rule))
		}
		if l.Tag != TagSource && l.Tag != TagKnowledge && l.Tag != TagReconstruction {
			bad = append(bad, fmt.Sprintf("larger_households.tag: %q is not SRC, KNOW or RECON", l.Tag))
		}
		for i, y := range m.Years {
			if len(y.Sizes) < 2 {
				bad = append(bad, fmt.Sprintf("years[%d].sizes: add-last-difference needs at least two sizes", i))
			}
		}
	}
	return bad
}

// table returns the table in force on date (a KST calendar date).
func (m *MedianTables) table(date time.Time) (*MedianTable, error) {
	for i := range m.Years {
		if m.Years[i].Year == date.Year() {
			return &m.Years[i], nil
		}
	}
	return nil, fmt.Errorf("no standard median income table for %d", date.Year())
}

// Income returns the monthly median income of a household of size persons
// in the table in force on date.
func (m *MedianTables) Income(date time.Time, size int64) (int64, error) {
	t, err := m.table(date)
	if err != nil {
		return 0, err
	}
	n := int64(len(t.Sizes))
	switch {
	case size < 1:
		return 0, fmt.Errorf("household size %d is not a size", size)
	case size <= n:
		return t.Sizes[size-1].KRW, nil
	case m.LargerHouseholds == nil || size > 50:
		return 0, fmt.Errorf("the %d table has no figure for a household of %d", t.Year, size)
	}
	step := t.Sizes[n-1].KRW - t.Sizes[n-2].KRW
	return t.Sizes[n-1].KRW + (size-n)*step, nil
}
