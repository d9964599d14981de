package article5

import "embed"

//go:embed extension/extension-definition.json extension/identity.json extension/schema.json
var extensionFiles embed.FS

// ExtensionDefinition returns article5's published STIX 2.1
// extension-definition object (id ExtensionID) as JSON.
func ExtensionDefinition() []byte { return mustRead("extension/extension-definition.json") }

// ExtensionCreator returns the STIX identity (ExtensionCreatorID) that
// publishes the extension-definition, as JSON.
func ExtensionCreator() []byte { return mustRead("extension/identity.json") }

// ExtensionSchema returns the JSON Schema (draft 2020-12) of the extension:
// $defs incident-extension, relationship-extension, assessment and
// determination. Units are in each property's description.
func ExtensionSchema() []byte { return mustRead("extension/schema.json") }

func mustRead(name string) []byte {
	b, err := extensionFiles.ReadFile(name)
	if err != nil {
		panic("article5: embedded file missing: " + name)
	}
	return b
}
