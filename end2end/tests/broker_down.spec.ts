import { test, expect } from '@playwright/test';

// Runs against a server whose bootstrap servers answer nothing, with a short produce timeout.
test.describe('when Kafka is unreachable', () => {
  test('the page says so beside the connection status', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    await expect(page.locator('.broker')).toHaveAttribute('data-broker', 'unreachable');
    await expect(page.locator('.broker')).toContainText('Kafka unreachable');
  });

  test('Submit fails within the produce timeout with the reason and keeps the text', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    await page.getByLabel('Enter Text:').fill('nobody hears this');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'did not confirm' })).toBeVisible({ timeout: 10_000 });
    await expect(page.getByLabel('Enter Text:')).toHaveValue('nobody hears this');
  });
});
