package portal

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// TestMissingEvidence: the evidence a decision names as missing — a
// credential not presented, a claim not disclosed — is shown by the
// catalogue's names, in the page's language.
func TestMissingEvidence(t *testing.T) {
	cat, err := programmes.Load()
	require.NoError(t, err)
	p, err := cat.Lookup("seoul-youth-allowance-2026")
	require.NoError(t, err)
	pv, err := newProgrammeView(p, schemas.Default())
	require.NoError(t, err)
	d := &programmes.Decision{Outcome: programmes.Undetermined, Version: p.Version(),
		Missing: []string{"employment", "income.income_band", "contract.weekly_hours", "nowhere", "residency.[", "residency.no_such_claim"}}
	en := decisionOf(schemas.English, pv, d)
	assert.Equal(t, []string{"Employment-insurance status", "Income band from the health-insurance premium: Income band (% of median income)",
		"Part-time employment contract: Contracted hours per week", "nowhere", "residency.[", "Residency status: no_such_claim"}, en.Missing)
	ko := decisionOf(schemas.Korean, pv, d)
	assert.Equal(t, "고용보험 가입 상태", ko.Missing[0])
	assert.Nil(t, decisionOf(schemas.Korean, pv, nil))
}

// TestRetentionText: how long a programme keeps what it receives.
func TestRetentionText(t *testing.T) {
	for iso, want := range map[string]string{
		"P0D": "Not kept (the decision alone, without what you shared, can be read for 1 hour)", "": "Not kept (the decision alone, without what you shared, can be read for 1 hour)",
		"P10Y": "10 years", "P6M": "6 months", "P2W": "2 weeks", "P30D": "30 days", "PXD": "PXD", "P": "P", "Q1Y": "Q1Y", "P1H": "P1H",
	} {
		assert.Equal(t, want, retentionText(schemas.English, iso), iso)
	}
	assert.Equal(t, "10년", retentionText(schemas.Korean, "P10Y"))
}
