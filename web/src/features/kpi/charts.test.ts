import { describe, expect, it } from 'vitest'
import type { DayPoint } from '../../api'
import { sparklineOption, sparklineSeries, trendOption } from './charts'

const day = (d: string, served: number, score: number | null, first: number | null = null): DayPoint => ({
  day: d,
  served,
  score,
  first_response_avg_s: first,
})

const LABELS = { served: '接待量', firstResponse: '平均首响（秒）', score: '得分', seconds: (v: number) => `${v} 秒` }

describe('the sparkline', () => {
  it('draws the daily score, a day without one as a gap', () => {
    const trend = [day('2026-05-18', 10, 80), day('2026-05-19', 0, null), day('2026-05-20', 12, 90)]
    expect(sparklineSeries(trend)).toEqual({ kind: 'score', values: [80, null, 90] })
  })

  it('draws what was served when no day has a score', () => {
    const trend = [day('2026-05-19', 3, null), day('2026-05-20', 5, null)]
    expect(sparklineSeries(trend)).toEqual({ kind: 'served', values: [3, 5] })
    const option = sparklineOption(trend)
    expect(Array.isArray(option.series) ? option.series[0].data : null).toEqual([3, 5])
  })
})

describe('the trend chart', () => {
  it('has served as bars and first response and score as lines on their own axes', () => {
    const option = trendOption([day('2026-05-19', 3, 70, 18.5), day('2026-05-20', 5, null, null)], LABELS)
    const series = option.series as { name: string; type: string; yAxisIndex?: number; data: unknown[] }[]
    expect(series.map((s) => [s.name, s.type, s.yAxisIndex ?? 0])).toEqual([
      ['接待量', 'bar', 0],
      ['平均首响（秒）', 'line', 2],
      ['得分', 'line', 1],
    ])
    expect(series.map((s) => s.data)).toEqual([
      [3, 5],
      [18.5, null],
      [70, null],
    ])
    expect((option.xAxis as { data: string[] }).data).toEqual(['05-19', '05-20'])
  })
})
