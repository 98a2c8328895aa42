package portal

import "github.com/seoulid/seoulid/schemas"

// Messages returns every string of the UI, per language, for the tests.
func Messages() map[string]map[schemas.Lang]string {
	out := make(map[string]map[schemas.Lang]string, len(messages))
	for k, m := range messages {
		out[k] = map[schemas.Lang]string{schemas.Korean: m.ko, schemas.English: m.en}
	}
	return out
}
