// What the import form knows about import files (docs/import.md, docs/robot.md): each kind's
// CSV columns with an example row and the notes shown beside them, and CSV text the way Excel
// opens it (UTF-8 with a BOM, CRLF), for the templates and the list of refused rows. Everything
// here runs in the browser.

import type { ImportKind } from '../../api'

export interface ImportColumn {
  name: string
  /** A row without it is refused (`missing_column` / `missing_field`). */
  required: boolean
  example: string
}

const col = (name: string, example: string, required = false): ImportColumn => ({ name, required, example })

/** One row per SKU; rows sharing a `product_code` form one product. */
const PRODUCT_COLUMNS: ImportColumn[] = [
  col('product_code', 'P-1001', true),
  col('title', '西湖龙井 明前特级', true),
  col('category', '绿茶'),
  col('sku_code', 'P-1001-250', true),
  col('sku_name', '250g 罐装'),
  col('price', '128.00', true),
  col('stock', '50'),
  col('image_url', 'https://shop.example.com/img/p-1001.jpg'),
  col('attributes', '产地:西湖; 年份:2026'),
  col('partner_name', ''),
  col('partner_url', ''),
  col('partner_shared', ''),
]

/** One row per order line; rows sharing an `order_no` form one order. */
const ORDER_COLUMNS: ImportColumn[] = [
  col('order_no', 'T202611200001', true),
  col('buyer_id', 'm-10086', true),
  col('buyer_name', '王先生'),
  col('placed_at', '2026-11-20 10:00:00', true),
  col('payment_status', 'paid', true),
  col('shipping_status', 'shipped', true),
  col('after_sale_status', 'none'),
  col('logistics_company', '顺丰速运'),
  col('tracking_no', 'SF1452367788'),
  col('receiver_name', '王小明'),
  col('receiver_phone', '13812345678'),
  col('receiver_address', '浙江省杭州市西湖区文三路 100 号'),
  col('total', '256.00'),
  col('paid', '256.00'),
  col('product_code', 'P-1001', true),
  col('sku_code', 'P-1001-250', true),
  col('item_title', '西湖龙井 明前特级 250g', true),
  col('quantity', '2', true),
  col('unit_price', '128.00', true),
]

/** BOT-1: one row per entry; rows repeating an `id` add similar questions to it. */
const KB_COLUMNS: ImportColumn[] = [
  col('id', 'ship-time', true),
  col('question', '下单后多久发货', true),
  col('similar', '几天能发出|什么时候发货|拍了多久发'),
  col('answer', '亲，现货付款后48小时内发货哦～', true),
  col('tier', '通用'),
  col('skus', ''),
  col('categories', ''),
  col('valid_from', ''),
  col('valid_to', ''),
]

/** Issue #16: real buyers' questions. A chat log (one message a row; the template) or, in
 *  place of its columns, labelled questions (`question` with `entry` or `reply`). */
const KB_QUESTION_COLUMNS: ImportColumn[] = [
  col('conversation', 'c-20260301-001', true),
  col('sender', '买家', true),
  col('text', '拍下后大概几天寄出', true),
  col('time', '2026-03-01 10:00:05'),
  col('question', ''),
  col('entry', ''),
  col('reply', ''),
]

/** The chat log template: a conversation as a chat export has it. */
const KB_QUESTION_TEMPLATE: string[][] = [
  ['conversation', 'sender', 'text', 'time'],
  ['c-20260301-001', '买家', '在吗', '2026-03-01 10:00:00'],
  ['c-20260301-001', '买家', '拍下后大概几天寄出', '2026-03-01 10:00:05'],
  ['c-20260301-001', '客服', '亲，现货付款后48小时内发货哦～', '2026-03-01 10:00:40'],
  ['c-20260301-001', '买家', '好的谢谢', '2026-03-01 10:01:10'],
]

/** WB-3: the shop's and teams' quick phrases, as the phrases page exports them. */
const PHRASE_COLUMNS: ImportColumn[] = [
  col('text', '亲，{订单号}已为您加急处理～', true),
  col('scope', 'shop'),
  col('team', ''),
  col('category', '物流'),
  col('shortcut', 'jj'),
]

export const IMPORT_COLUMNS: Record<ImportKind, ImportColumn[]> = {
  phrases: PHRASE_COLUMNS,
  products: PRODUCT_COLUMNS,
  orders: ORDER_COLUMNS,
  kb: KB_COLUMNS,
  kb_questions: KB_QUESTION_COLUMNS,
}

/** The notes under each kind's columns (`imports.help.notes.<key>`). */
export const IMPORT_NOTES: Record<ImportKind, string[]> = {
  products: ['encoding', 'lines', 'money', 'time', 'status', 'excel', 'jsonl'],
  orders: ['encoding', 'lines', 'money', 'time', 'status', 'excel', 'jsonl'],
  kb: ['kbEncoding', 'kbSimilar', 'kbTier', 'kbTime', 'kbJsonl'],
  kb_questions: ['qLog', 'qMatch', 'qLabelled', 'qSkip', 'qJsonl'],
  phrases: ['encoding', 'phraseScope', 'phraseSame', 'excel'],
}

function csvField(value: string | number): string {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** CSV text with a BOM, so Excel reads the Chinese as UTF-8 rather than GBK. */
export function csvText(rows: (string | number)[][]): string {
  return `\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`
}

/** The header line and one example row of a kind (a short conversation for a chat log). */
export function templateCsv(kind: ImportKind): string {
  if (kind === 'kb_questions') return csvText(KB_QUESTION_TEMPLATE)
  const columns = IMPORT_COLUMNS[kind]
  return csvText([columns.map((c) => c.name), columns.map((c) => c.example)])
}

/** Saves text as a file through a temporary link; nothing leaves the browser. */
export function download(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
