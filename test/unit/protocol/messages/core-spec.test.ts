// ApiVersions and Metadata against the Kafka JSON specs of the version under test, field by
// field (spec-generated responses decode to the generated values; encoded requests parse back
// per the spec), as the admin/group modules are.
import fc from 'fast-check'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { specAndFuzzSuites } from './admin-spec-support.js'

const text = fc.string({ maxLength: 8, unit: 'binary' })
const uuid = fc.uuid().map((u) => u.toLowerCase())

specAndFuzzSuites(ApiVersions, {
  spec: 'ApiVersions',
  request: (v) => (v >= 3 ? fc.record({ clientSoftwareName: text, clientSoftwareVersion: text }) : fc.constant({})),
})

specAndFuzzSuites(Metadata, {
  spec: 'Metadata',
  request: (v) =>
    fc.record({
      topics: fc.option(fc.array(fc.record({ name: v >= 10 ? fc.option(text) : text, topicId: uuid }), { maxLength: 3 }), { nil: null }),
      // Each option only where the version carries it (the encoder refuses the others).
      allowAutoTopicCreation: v >= 4 ? fc.boolean() : fc.constant(true),
      includeClusterAuthorizedOperations: v >= 8 && v <= 10 ? fc.boolean() : fc.constant(false),
      includeTopicAuthorizedOperations: v >= 8 ? fc.boolean() : fc.constant(false),
    }),
})
