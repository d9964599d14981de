package stix

// TLP is a Traffic Light Protocol level in its TLP 2.0 spelling (FIRST TLP
// 2.0, 2022): "clear", "green", "amber", "amber+strict" or "red".
type TLP string

// TLP levels (FIRST TLP 2.0).
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// The OASIS TLP 2.0 marking-definition ids (cti-stix-common-objects,
// extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d). They are built
// in: references to them are never dangling.
const (
	TLPClearID       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLPGreenID       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLPAmberID       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLPAmberStrictID = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLPRedID         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// TLP2ExtensionID is the OASIS extension-definition that TLP 2.0
// marking-definitions use; its property tlp_2_0 holds the level.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// The TLP 1.0 marking-definition ids fixed by STIX 2.1 §7.2.1.4. They are
// built in too, and map to TLP 2.0 levels (WHITE→clear).
const (
	TLP1WhiteID = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1GreenID = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1AmberID = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1RedID   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

var tlp2IDs = map[string]TLP{
	TLPClearID:       TLPClear,
	TLPGreenID:       TLPGreen,
	TLPAmberID:       TLPAmber,
	TLPAmberStrictID: TLPAmberStrict,
	TLPRedID:         TLPRed,
}

// tlp1IDs maps the TLP 1.0 ids to their STIX 2.1 §7.2.1.4 colour names.
var tlp1IDs = map[string]string{
	TLP1WhiteID: "white",
	TLP1GreenID: "green",
	TLP1AmberID: "amber",
	TLP1RedID:   "red",
}

var tlp1To2 = map[string]TLP{"white": TLPClear, "green": TLPGreen, "amber": TLPAmber, "red": TLPRed}

// TLPOf returns the TLP level a built-in marking-definition id stands for:
// the TLP 2.0 ids directly, the TLP 1.0 ids of STIX 2.1 §7.2.1.4 mapped
// WHITE→clear, GREEN→green, AMBER→amber, RED→red. It reports false for any
// other id (callers treat an unknown marking as most restrictive).
func TLPOf(markingID string) (TLP, bool) {
	if t, ok := tlp2IDs[markingID]; ok {
		return t, true
	}
	if c, ok := tlp1IDs[markingID]; ok {
		return tlp1To2[c], true
	}
	return "", false
}

// IsBuiltinMarking reports whether id is one of the TLP 2.0 or TLP 1.0
// marking-definitions that need not be present in a bundle.
func IsBuiltinMarking(id string) bool {
	_, ok := TLPOf(id)
	return ok
}

// tlp2Name is the name OASIS gives each TLP 2.0 marking-definition.
func tlp2Name(t TLP) string {
	switch t {
	case TLPAmberStrict:
		return "TLP:AMBER+STRICT"
	default:
		b := []byte("TLP:" + string(t))
		for i := 4; i < len(b); i++ {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}
}
