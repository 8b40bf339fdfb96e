import { describe, expect, it } from 'vitest'
import { detectDelimiter, detectHeader, detectNewline, sampleRows } from './sniff'

const rowsOf = (text: string, delimiter = ',') => sampleRows(text, delimiter, detectNewline(text), true, true)

describe('detectNewline', () => {
  it('finds LF, CRLF and lone CR', () => {
    expect(detectNewline('a\nb')).toBe('\n')
    expect(detectNewline('a\r\nb')).toBe('\r\n')
    expect(detectNewline('a\rb')).toBe('\r')
    expect(detectNewline('ab')).toBe('\n')
  })
})

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3\n4,5,6\n', ','],
    ['196\t242\t3\t881250949\n186\t302\t3\t891717742\n', '\t'],
    ['a;b\n"x;y";2\n3;4\n', ';'],
    ['1|24|M|technician|85711\n2|53|F|other|94043\n', '|'],
    ["1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's\n", '::'],
  ])('%j -> %j', (text, expected) => {
    expect(detectDelimiter(text, detectNewline(text), true).delimiter).toBe(expected)
  })

  it('ignores delimiters inside quotes', () => {
    const text = 'id,title\n1,"Heat; the movie"\n2,"Up; again"\n'
    expect(detectDelimiter(text, '\n', true)).toEqual({ delimiter: ',', fieldCount: 2 })
  })

  it('returns null for a single column or an unknown delimiter', () => {
    expect(detectDelimiter('id\n1\n2\n', '\n', true).delimiter).toBeNull()
    expect(detectDelimiter('a#b#c\n1#2#3\n', '\n', true).delimiter).toBeNull()
  })
})

describe('detectHeader', () => {
  it('sees names above numbers', () => {
    expect(
      detectHeader(rowsOf('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n')),
    ).toBe(true)
  })
  it('sees data when the first row has numbers', () => {
    expect(detectHeader(rowsOf('196,242,3,881250949\n186,302,3,891717742\n'))).toBe(false)
  })
  it('sees names above text ids of another shape', () => {
    expect(detectHeader(rowsOf('user_id,offer_id\nU00001,O0001\nU00002,O0002\n'))).toBe(true)
  })
  it('sees names above repeated categories', () => {
    expect(detectHeader(rowsOf('gender,tier\nF,gold\nM,gold\nF,classic\nM,classic\n'))).toBe(true)
  })
  it('sees data when the first row has the shape of the rest', () => {
    expect(detectHeader(rowsOf('U1,O1\nU2,O7\nU3,O1\nU1,O7\n'))).toBe(false)
  })
})
