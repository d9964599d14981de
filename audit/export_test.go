package audit

// FieldsDigestForTest exposes fields to the external tests.
var FieldsDigestForTest = fields
