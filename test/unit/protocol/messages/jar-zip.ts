/**
 * A minimal zip reader for jar files: the central directory, then stored or deflated entries
 * (node:zlib's inflateRawSync). Enough for reading Kafka's message specs out of kafka-clients.
 */
import { readFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'

const EOCD_SIGNATURE = 0x06054b50
const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_SIGNATURE = 0x04034b50

/** The entries of the zip at `path` whose names `select` accepts, name -> uncompressed bytes. */
export function readZipEntries(path: string, select: (name: string) => boolean): Map<string, Buffer> {
  const zip = readFileSync(path)
  // The end-of-central-directory record sits in the last 22 + up to 65535 (comment) bytes.
  let eocd = -1
  for (let o = zip.length - 22; o >= Math.max(0, zip.length - 22 - 0xffff); o--) {
    if (zip.readUInt32LE(o) === EOCD_SIGNATURE) {
      eocd = o
      break
    }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip file (no end of central directory)`)
  const count = zip.readUInt16LE(eocd + 10)
  let o = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(o) !== CENTRAL_SIGNATURE) throw new Error(`${path}: bad central directory entry ${i}`)
    const method = zip.readUInt16LE(o + 10)
    const compressedSize = zip.readUInt32LE(o + 20)
    const size = zip.readUInt32LE(o + 24)
    const nameLength = zip.readUInt16LE(o + 28)
    const extraLength = zip.readUInt16LE(o + 30)
    const commentLength = zip.readUInt16LE(o + 32)
    const localOffset = zip.readUInt32LE(o + 42)
    const name = zip.toString('utf8', o + 46, o + 46 + nameLength)
    o += 46 + nameLength + extraLength + commentLength
    if (!select(name)) continue
    if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`${path}: bad local header for ${name}`)
    // The local header's own name and extra lengths may differ from the central directory's.
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28)
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    let data: Buffer
    if (method === 0) data = Buffer.from(raw)
    else if (method === 8) data = inflateRawSync(raw)
    else throw new Error(`${path}: ${name} uses unsupported compression method ${method}`)
    if (data.length !== size) throw new Error(`${path}: ${name} inflated to ${data.length} bytes, expected ${size}`)
    out.set(name, data)
  }
  return out
}
