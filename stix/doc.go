// Package stix reads, writes and checks STIX 2.1 content for article5: bundles
// and their objects, timestamps kept exactly as written, TLP markings and the
// extension-definitions article5 relies on.
//
// Parse and ParseObject decode JSON into Objects that keep their original
// bytes (so Encode is lossless) and every property (numbers as json.Number).
// Validate checks a bundle natively against the STIX 2.1 rules (OASIS STIX
// Version 2.1, Committee Specification 2 / OASIS Standard, cited as "STIX 2.1
// §n") and returns a Report of issues, each naming the object and the JSON
// pointer (RFC 6901) of the property at fault. Errors break a MUST of the
// specification; warnings break a SHOULD or flag something a recipient should
// know (custom properties, references to objects outside the bundle, objects
// handled as STIX 2.0).
//
// A few rules article5 applies on purpose, because real tools got them wrong
// (see ../shared/interop-cases.md):
//
//   - Timestamps are compared as instants with all their fractional digits,
//     never as strings, and keep their original text (Timestamp.Raw).
//   - An object without spec_version is STIX 2.0 if it is an SDO, SRO or
//     marking-definition; the version belongs to each object, not to the
//     bundle. A bundle-level spec_version (the STIX 2.0 bundle form) is only
//     a warning.
//   - Several versions of one id in a bundle are all kept; Latest picks the
//     greatest modified.
//   - TLP 2.0 markings are built in; a marking-definition that reuses a TLP
//     1.0 id with TLP 2.0 content is an error on that object only.
//   - A single bare STIX object (not wrapped in a bundle) is accepted as a
//     one-object bundle; Validate then warns with code "bare-object".
//   - Input must be I-JSON (RFC 7493), which RFC 8785 canonicalisation
//     requires: invalid UTF-8, unpaired surrogate escapes, a property name
//     twice and numbers beyond a double are errors ("malformed-json") naming
//     the object and pointer, not a failure deep inside Canonical.
//   - Integers are whole numbers within ±(2^53−1) (STIX 2.1 §2.10, see
//     MaxInteger); the counts, amounts and percentages of the registered
//     extensions are checked by ExtensionInfo.Numbers.
package stix
