// `peridot broker` cluster options are checked before anything starts.
import { describe, expect, it } from 'vitest'
import { brokerCommand } from '../../../src/cli/commands/broker.js'
import { UsageError } from '../../../src/cli/errors.js'

describe('peridot broker --nodes / --racks', () => {
  it.each([
    [['start', '--nodes', '0'], /--nodes must be an integer from 1 to 9/],
    [['start', '--nodes', 'three'], /--nodes must be an integer from 1 to 9/],
    [['start', '--nodes', '10'], /--nodes must be an integer from 1 to 9/],
    [['start', '--racks', 'a,b,c'], /--racks needs --nodes/],
    [['start', '--nodes', '3', '--racks', 'a,b'], /--racks must name one rack per node \(3\)/],
    [['start', '--nodes', '3', '--racks', 'a,,c'], /--racks must name one rack per node/],
    [['start', '--nodes', '3', '--controller-port', '9999'], /--controller-port is for a single broker/],
  ])('%j is a usage error', async (args, message) => {
    const err = await brokerCommand.run(args).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(UsageError)
    expect((err as Error).message).toMatch(message)
  })
})
