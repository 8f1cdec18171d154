using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Infrastructure;

/// <summary>A clerk at the window in a browser: the steps most window tests take before what they test.</summary>
public static class WindowClerk
{
    /// <summary>A new page on the window's first page, signed in as <paramref name="username"/>.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext browser, string username, string password)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/window");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByLabel("密码").PressAsync("Enter");
        return page;
    }

    /// <summary>Finds the person by identity number; the card shows <paramref name="shownName"/>.</summary>
    public static async Task FindAsync(IPage page, string certno, string shownName)
    {
        await page.Locator("#certno").FillAsync(certno);
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync(shownName);
        await WhenReadyAsync(page);
    }

    /// <summary>
    /// Waits until the page's script has attached its handlers (window.js marks the document): text typed into a
    /// look-up before that would raise no search.
    /// </summary>
    public static Task WhenReadyAsync(IPage page) => Expect(page.Locator("html[data-window-ready]")).ToHaveCountAsync(1);

    /// <summary>
    /// Files the found person's emergency with the diagnosis <paramref name="search"/> finds first (<paramref name="found"/>)
    /// and registers an outpatient visit or an admission: the page is then the visit's.
    /// </summary>
    public static async Task FileAndRegisterAsync(IPage page, bool admission = false, string search = "肺炎", string found = "J18.9")
    {
        await page.Locator("#dise-search").FillAsync(search);
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync(found);
        await page.Locator("#dise-search").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "备案并核定" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("备案成功");
        if (admission) await page.Locator("#kind").SelectOptionAsync("inpatient");
        await page.Locator("#register-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(admission ? "/window/visit/Z" : "/window/visit/M"));
    }

    /// <summary>Adds a bill line: the item found by its code, then its price and count typed.</summary>
    public static async Task AddLineAsync(IPage page, string code, string price, string count)
    {
        await WhenReadyAsync(page);
        await page.Locator("#catalogue-search").FillAsync(code);
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync(code);
        await page.Locator("#catalogue-search").PressAsync("Enter");
        await page.Locator("#bill tbody tr").Last.Locator("input.price").FillAsync(price);
        await page.Locator("#bill tbody tr").Last.Locator("input.count").FillAsync(count);
    }
}
