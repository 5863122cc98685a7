import { test, expect } from '@playwright/test';

// scripts/test starts this server with basic auth (alice / wonderland), read-only mode and
// export turned off.
test.describe('a kafka-live with basic auth and read-only mode', () => {
  test('answers nothing without the user name and password', async ({ request }) => {
    const response = await request.get('/');
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toContain('Basic');
  });

  test.describe('with them', () => {
    test.use({ httpCredentials: { username: 'alice', password: 'wonderland' } });

    test('the feed goes live, and Submit says producing is off and keeps the text', async ({ page }) => {
      await page.goto('/');
      // The WebSocket handshake carries the same credentials.
      await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
      await page.getByLabel('Enter Text:').fill('not while read-only');
      await page.getByRole('button', { name: 'Submit' }).click();
      await expect(page.getByRole('alert')).toContainText('read-only');
      await expect(page.getByLabel('Enter Text:')).toHaveValue('not while read-only');
    });

    test('export is turned off: the page offers no download of the feed', async ({ page }) => {
      await page.goto('/');
      // The partition choices come with the server's settings; once they are there, so would
      // the export buttons be.
      await expect(page.getByLabel('Partition').locator('option', { hasText: 'Partition 0' })).toHaveCount(1);
      await expect(page.getByRole('button', { name: 'Copy as kcat' }).first()).toBeVisible();
      await expect(page.getByRole('button', { name: /^Export/ })).toHaveCount(0);
    });

    test('the Consumers panel shows the group, and resetting its offsets is refused as read-only', async ({ page }) => {
      await page.goto('/');
      const panel = page.getByRole('complementary', { name: 'Consumers' });
      await expect(panel.getByLabel('Consumer group')).toHaveValue('kitchen-group-1');
      await expect(panel.locator('.group-state')).toHaveText(/^kitchen-group-1: /);
      await panel.getByRole('button', { name: 'Reset offsets' }).click();
      await expect(panel.getByRole('alert')).toHaveText('This kafka-live is read-only: resetting offsets is off.');
      const refused = await page.request.post('/api/reset_offsets', { form: { group: 'kitchen-group-1', to: 'earliest' } });
      expect(refused.status()).toBe(403);
      expect(await refused.text()).toContain('This kafka-live is read-only: resetting offsets is off.');
    });
  });

  test('the groups and their reset answer nothing without the user name and password', async ({ request }) => {
    expect((await request.post('/api/consumer_groups', { form: {} })).status()).toBe(401);
    expect((await request.post('/api/reset_offsets', { form: { group: 'kitchen-group-1', to: 'earliest' } })).status()).toBe(401);
  });
});
