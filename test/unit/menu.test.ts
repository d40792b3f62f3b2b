// The application menu (main/menu.ts): the usual roles, and developer tools only when not packaged.

import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from '../../main/menu.js';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
}

describe('menuTemplate', () => {
  it('has the usual edit, view and window roles', () => {
    const r = roles(menuTemplate({ platform: 'linux', packaged: true }));
    for (const role of ['quit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'minimize', 'close']) {
      expect(r).toContain(role);
    }
    expect(r).not.toContain('appMenu');
  });

  it('offers developer tools only when not packaged', () => {
    expect(roles(menuTemplate({ platform: 'linux', packaged: true }))).not.toContain('toggleDevTools');
    expect(roles(menuTemplate({ platform: 'win32', packaged: true }))).not.toContain('toggleDevTools');
    expect(roles(menuTemplate({ platform: 'linux', packaged: false }))).toContain('toggleDevTools');
  });

  it('starts with the application menu on macOS, which holds Quit', () => {
    const menu = menuTemplate({ platform: 'darwin', packaged: true });
    expect(menu[0]).toEqual({ role: 'appMenu' });
    expect(roles(menu)).not.toContain('quit');
  });
});
