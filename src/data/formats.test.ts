import { describe, expect, it } from 'vitest'
import { encodeDataset } from './encode'
import { knownParseOptions, recognizeFormat } from './formats'
import { parseBytes } from './parse'
import { columnValues } from './table'
import { latin1, utf8 } from './testing'
import type { DictTable } from './types'

// Small made-up files in the layouts of the public datasets (never their real rows: MovieLens' licence
// forbids redistribution).

function parse(name: string, bytes: Uint8Array): DictTable {
  const result = parseBytes(name, bytes, knownParseOptions(name))
  if (!result.ok) throw new Error(result.reason)
  return result.data.table
}

const flags = (...set: number[]) =>
  Array.from({ length: 19 }, (_, g) => (set.includes(g) ? '1' : '0')).join('|')

const ML100K = {
  'u.data': utf8('1\t10\t4\t881250949\n1\t20\t3\t881250999\n2\t10\t5\t891717742\n2\t30\t1\t891717800\n'),
  'u.user': utf8('1|24|M|technician|85711\n2|53|F|other|94043\n'),
  'u.item': latin1(
    [
      `10|Café Story (1995)|01-Jan-1995||http://example.org/a|${flags(3, 5)}`,
      `20|"Quoted" Title (1994)|01-Jan-1994||http://example.org/b|${flags(1)}`,
      `30|Misérables (1996)|15-Mar-1996||http://example.org/c|${flags(0)}`,
    ].join('\n') + '\n',
  ),
}

describe('recognizeFormat', () => {
  it('maps MovieLens 100K: tab ratings, pipe users, Latin-1 items with genre flags folded', () => {
    const files = Object.entries(ML100K).map(([name, bytes]) => parse(name, bytes))
    const match = recognizeFormat(files)!
    expect(match.format).toBe('movielens-100k')
    expect(match.mapping).toMatchObject({
      userId: 'user_id',
      itemId: 'item_id',
      timestamp: 'timestamp',
      rating: 'rating',
    })
    expect(match.roles.map((r) => r.role)).toEqual(['interactions', 'users', 'items'])
    const items = match.tables.items!
    expect(columnValues(items, 'genres')).toEqual(['Animation|Comedy', 'Action', 'unknown'])
    expect(columnValues(items, 'title')).toEqual([
      'Café Story (1995)',
      '"Quoted" Title (1994)',
      'Misérables (1996)',
    ])
    expect(columnValues(items, 'year')).toEqual(['1995', '1994', '1996'])
    expect(items.columns).not.toContain('genre_Action')
    const encoded = encodeDataset('ml', match.tables, match.mapping)
    expect(encoded.ok).toBe(true)
    if (encoded.ok) {
      expect(encoded.data.interactionUser.length).toBe(4)
      expect(encoded.data.itemFields.map((f) => f.name)).toEqual(['item_id', 'year'])
      // Multi-valued genres: every listed genre is a value of the item's one genres token.
      const genres = encoded.data.multiItem![0]
      expect(genres.name).toBe('genres')
      expect(genres.vocabulary.slice(1).sort()).toEqual(['Action', 'Animation', 'Comedy', 'unknown'])
    }
  })

  it('maps MovieLens 1M :: files, keeping bare quotes in titles', () => {
    const files = [
      parse(
        'ml-1m/ratings.dat',
        utf8('1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n'),
      ),
      parse('ml-1m/users.dat', utf8('1::F::1::10::48067\n2::M::56::16::70072\n')),
      parse(
        'ml-1m/movies.dat',
        latin1('1193::One Flew (1975)::Drama\n661::"Great" Peach (1996)::Animation|Musical\n'),
      ),
    ]
    const match = recognizeFormat(files)!
    expect(match.format).toBe('movielens-1m')
    expect(columnValues(match.tables.items!, 'title')[1]).toBe('"Great" Peach (1996)')
    expect(columnValues(match.tables.items!, 'year')).toEqual(['1975', '1996'])
    expect(match.mapping.features.find((f) => f.column === 'genres')).toMatchObject({
      kind: 'multi',
      separator: '|',
    })
    expect(encodeDataset('ml', match.tables, match.mapping).ok).toBe(true)
  })

  it('maps MovieLens latest CSVs with quoted titles and lists tags as unused', () => {
    const files = [
      parse(
        'ratings.csv',
        utf8('userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.0,964981247\n2,1,3.5,1445714835\n'),
      ),
      parse(
        'movies.csv',
        utf8(
          'movieId,title,genres\n1,"Toy, Story (1995)",Adventure|Animation\n3,Heat (1995),(no genres listed)\n',
        ),
      ),
      parse('tags.csv', utf8('userId,movieId,tag,timestamp\n2,1,funny,1445714994\n')),
    ]
    const match = recognizeFormat(files)!
    expect(match.format).toBe('movielens-latest')
    expect(match.mapping).toMatchObject({ userId: 'userId', itemId: 'movieId' })
    expect(columnValues(match.tables.items!, 'genres')).toEqual(['Adventure|Animation', ''])
    expect(match.roles.at(-1)).toMatchObject({ file: 'tags.csv', role: 'unused' })
    expect(encodeDataset('ml', match.tables, match.mapping).ok).toBe(true)
  })

  it('maps TheLook: order items as interactions, id columns renamed, events unused', () => {
    const files = [
      parse(
        'order_items.csv',
        utf8(
          'id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,delivered_at,returned_at,sale_price\n' +
            '1,1,7,100,1,Complete,2022-03-05 10:21:00 UTC,,,,19.99\n' +
            '2,2,8,101,2,Returned,2023-01-02 08:00:00.123456 UTC,,,,5.00\n',
        ),
      ),
      parse(
        'users.csv',
        utf8(
          'id,first_name,age,gender,country,traffic_source\n7,Ann,31,F,Brasil,Search\n8,Bo,45,M,China,Email\n',
        ),
      ),
      parse(
        'products.csv',
        utf8(
          'id,cost,category,name,brand,retail_price,department\n100,3,Jeans,"Slim, blue",Acme,19.99,Women\n101,1,Socks,Wool,Knit,5,Men\n',
        ),
      ),
      parse(
        'events.csv',
        utf8(
          'id,user_id,session_id,created_at,uri,event_type\n1,7,s1,2022-03-05 10:00:00 UTC,/product/100,product\n',
        ),
      ),
    ]
    const match = recognizeFormat(files)!
    expect(match.format).toBe('thelook')
    expect(match.tables.users!.columns[0]).toBe('user_id')
    expect(match.tables.items!.columns[0]).toBe('product_id')
    expect(match.roles.find((r) => r.file === 'events.csv')?.role).toBe('unused')
    const encoded = encodeDataset('thelook', match.tables, match.mapping)
    expect(encoded.ok).toBe(true)
    if (encoded.ok)
      expect(encoded.data.interactionTime![1]).toBeCloseTo(Date.UTC(2023, 0, 2, 8) / 1000 + 0.123, 2)
  })

  it('maps TheLook web events without order items: product views of signed-in users, id from the uri', () => {
    const events = [
      'id,user_id,sequence_number,session_id,created_at,ip_address,city,browser,traffic_source,uri,event_type',
      '1,7,1,s1,2022-03-05 10:00:00.123456 UTC,1.2.3.4,Rio,Chrome,Search,/department/women/category/jeans,department',
      '2,7,2,s1,2022-03-05 10:01:00.000001 UTC,1.2.3.4,Rio,Chrome,Search,/product/100,product',
      '3,7,3,s1,2022-03-05 10:02:00.5 UTC,1.2.3.4,Rio,Chrome,Search,/cart,cart',
      '4,,1,s2,2022-03-06 09:00:00 UTC,5.6.7.8,Oslo,Safari,Email,/product/101,product',
      '5,8,1,s3,2022-03-07 11:00:00 UTC,9.9.9.9,Lima,Firefox,Email,/product/101,product',
      '6,8,2,s3,2022-03-07 11:05:00 UTC,9.9.9.9,Lima,Firefox,Email,/product/100/,product',
    ]
    const files = [
      parse('events.csv', utf8(events.join('\n') + '\n')),
      parse('products.csv', utf8('id,category,brand,retail_price\n100,Jeans,Acme,19.99\n101,Socks,Knit,5\n')),
    ]
    const match = recognizeFormat(files)!
    expect(match.format).toBe('thelook')
    // Rows 2, 5 and 6: product pages of signed-in users (row 4 has no user; 1 and 3 are not products).
    const { interactions } = match.tables
    expect(interactions.name).toBe('events.csv')
    expect(columnValues(interactions, 'product_id')).toEqual(['100', '101', '100'])
    expect(columnValues(interactions, 'user_id')).toEqual(['7', '8', '8'])
    expect(match.mapping).toMatchObject({ userId: 'user_id', itemId: 'product_id', timestamp: 'created_at' })
    expect(match.mapping.features.map((f) => `${f.table}.${f.column}`)).toEqual(
      expect.arrayContaining(['interactions.traffic_source', 'interactions.browser', 'items.category']),
    )
    expect(match.roles[0]).toMatchObject({ file: 'events.csv', role: 'interactions' })
    expect(match.roles[0].note).toContain('3 of 6 events')
    const encoded = encodeDataset('thelook', match.tables, match.mapping)
    if (!encoded.ok) throw new Error(encoded.reason)
    expect(encoded.data.interactionTime![0]).toBe((Date.UTC(2022, 2, 5, 10, 1) + 0.001) / 1000)
    expect(encoded.data.itemIds).toEqual(['100', '101'])
  })

  it("picks the title as the items' names in MovieLens and the product name in TheLook", () => {
    const files = Object.entries(ML100K).map(([name, bytes]) => parse(name, bytes))
    const match = recognizeFormat(files)!
    expect(match.mapping.itemLabel).toBe('title')
    const encoded = encodeDataset('ml', match.tables, match.mapping)
    if (!encoded.ok) throw new Error(encoded.reason)
    expect(encoded.data.itemLabels).toEqual([
      'Café Story (1995)',
      '"Quoted" Title (1994)',
      'Misérables (1996)',
    ])
  })

  it('maps RecBole atomic files: types from the header, token_seq as space-separated values', () => {
    // The layout of RecBole's ml-100k atomic files (tab-separated, `name:type` headers), rows made up.
    const occupations = ['writer', 'executive', 'student']
    const users = Array.from(
      { length: 8 },
      (_, u) =>
        `${100 + u}\t${[25, 35, 45][u % 3]}\t${u % 2 ? 'F' : 'M'}\t${occupations[u % 3]}\t${55100 + u}`,
    )
    const classes = ['Comedy', 'Crime Film-Noir Mystery Thriller', "Children's Comedy"]
    const titles = [
      'Kolya',
      'L.A. Confidential',
      'Heavyweights',
      'Toy Story',
      'GoldenEye',
      'Four Rooms',
      'Get Shorty',
      'Copycat',
      'Babe',
    ]
    const items = titles.map((t, i) => `${200 + i}\t${t}\t${1994 + (i % 3)}\t${classes[i % 3]}`)
    const inter = Array.from(
      { length: 40 },
      (_, k) => `${100 + (k % 8)}\t${200 + ((k * 5) % 9)}\t${1 + (k % 5)}\t${881250949 + k * 600}`,
    )
    const files = [
      parse(
        'ml-100k.inter',
        utf8(['user_id:token\titem_id:token\trating:float\ttimestamp:float', ...inter].join('\n')),
      ),
      parse(
        'ml-100k.user',
        utf8(
          ['user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token', ...users].join('\n'),
        ),
      ),
      parse(
        'ml-100k.item',
        utf8(
          ['item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq', ...items].join('\n'),
        ),
      ),
    ]
    const match = recognizeFormat(files)!
    expect(match.format).toBe('recbole')
    expect(match.tables.interactions.columns).toEqual(['user_id', 'item_id', 'rating', 'timestamp'])
    expect(match.mapping).toMatchObject({
      userId: 'user_id',
      itemId: 'item_id',
      rating: 'rating',
      timestamp: 'timestamp',
      itemLabel: 'movie_title',
    })
    // Ids are never features; zip codes are unique per user and left out; the rating is not an input.
    expect(match.mapping.features).toEqual([
      { table: 'users', column: 'age', kind: 'categorical', tower: 'user' },
      { table: 'users', column: 'gender', kind: 'categorical', tower: 'user' },
      { table: 'users', column: 'occupation', kind: 'categorical', tower: 'user' },
      { table: 'items', column: 'release_year', kind: 'categorical', tower: 'item' },
      { table: 'items', column: 'class', kind: 'multi', tower: 'item', separator: ' ' },
    ])
    const encoded = encodeDataset('recbole', match.tables, match.mapping)
    if (!encoded.ok) throw new Error(encoded.reason)
    const classField = encoded.data.multiItem![0]
    expect(classField.vocabulary.slice(1).sort()).toEqual(
      ["Children's", 'Comedy', 'Crime', 'Film-Noir', 'Mystery', 'Thriller'].sort(),
    )
    expect(encoded.data.itemLabels).toEqual(titles)
  })

  it('returns null for files it does not know', () => {
    expect(recognizeFormat([parse('clicks.csv', utf8('u,i\n1,2\n'))])).toBeNull()
  })
})
