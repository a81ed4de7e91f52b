import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { DescribeCluster, EndpointType } from '../../../../src/protocol/messages/describe-cluster.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

describe('DescribeCluster request (flexible in every version)', () => {
  it('v0 golden bytes', () => {
    expect(encode(DescribeCluster, 0, { includeClusterAuthorizedOperations: true })).toEqual(hex`01 00`)
  })

  it('v1 golden bytes with the endpoint type', () => {
    expect(encode(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: EndpointType.CONTROLLER })).toEqual(
      hex`00 02 00`,
    )
    expect(encode(DescribeCluster, 1, { includeClusterAuthorizedOperations: false })).toEqual(hex`00 01 00`)
  })

  it('v0 cannot ask for controllers', () => {
    expect(() => encode(DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 2 })).toThrow(InvalidArgumentError)
  })
})

describe('DescribeCluster response', () => {
  const expected = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    clusterId: 'cls',
    controllerId: 1,
    brokers: [{ brokerId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    clusterAuthorizedOperations: -(2 ** 31),
  }

  it('decodes v0 (endpoint type reads as BROKER)', () => {
    expect(decode(DescribeCluster, 0, hex`
      00000000 0000 00 04 636c73 00000001
      02 00000001 0a 3132372e302e302e31 00002384 00 00
      80000000 00
    `)).toEqual({ ...expected, endpointType: 1 })
  })

  it('decodes v1', () => {
    expect(decode(DescribeCluster, 1, hex`
      00000000 0000 00
      02                  # endpoint_type CONTROLLER
      04 636c73 00000001
      02 00000001 0a 3132372e302e302e31 00002384 00 00
      80000000 00
    `)).toEqual({ ...expected, endpointType: 2 })
  })
})

specAndFuzzSuites(DescribeCluster, {
  spec: 'DescribeCluster',
  request: (version) =>
    fc.record({
      includeClusterAuthorizedOperations: fc.boolean(),
      ...(version >= 1 ? { endpointType: fc.integer({ min: -128, max: 127 }) } : {}),
    }),
  expectedRequest: (req) => ({ endpointType: 1, ...req }),
})
