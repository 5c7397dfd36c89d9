// Read path: list a sport's schedules for the season, then open one of them.
// Run: k6 run -e BASE_URL=https://api.staging.flextime.app loadtest/read-schedules.js
import { check, sleep } from 'k6';
import { get, options as flextimeOptions, pick, SEASON, SPORTS } from './flextime.js';

export const options = flextimeOptions('readSchedules');

export function readSchedules() {
  const sport = pick(SPORTS);
  const list = get(`/api/v1/schedules?sport=${sport}&season=${SEASON}`, 'GET /api/v1/schedules');
  check(list, {
    'list: 200': (r) => r.status === 200,
    'list: JSON array of schedules': (r) => r.status !== 200 || Array.isArray(r.json('items')),
  });
  const items = list.status === 200 ? list.json('items') : [];
  if (items.length > 0) {
    const one = get(`/api/v1/schedules/${encodeURIComponent(pick(items).id)}`, 'GET /api/v1/schedules/:id');
    check(one, { 'schedule: 200': (r) => r.status === 200 });
  }
  sleep(1);
}
