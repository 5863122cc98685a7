import { test, expect } from '@playwright/test';
import { feedItem, unique } from './helpers';

test.describe('the page under its Content-Security-Policy', () => {
  test('hydrates, produces and shows records without a single policy violation', async ({ page }) => {
    await page.addInitScript(() => {
      (window as unknown as { violations: string[] }).violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { violations: string[] }).violations.push(
          `${event.violatedDirective} ${event.blockedURI}`,
        );
      });
    });
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toContain("'nonce-");
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');

    const text = unique('under csp');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, text)).toBeVisible();

    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
  });
});
