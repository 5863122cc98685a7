import { test, expect } from '@playwright/test';

// scripts/test starts this server with basic auth (alice / wonderland) and read-only mode.
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
  });
});
