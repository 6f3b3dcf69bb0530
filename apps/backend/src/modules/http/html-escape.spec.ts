import Handlebars from 'handlebars';
import { escapeHtml } from './html-escape';

describe('escapeHtml', () => {
  it('escapes every character that can leave text or a quoted attribute', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'a' \`b\` c=d`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;a&#x27; &#x60;b&#x60; c&#x3D;d',
    );
  });

  it('turns values into text: null and undefined are empty, toHTML is not trusted', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0)).toBe('0');
    expect(escapeHtml(false)).toBe('false');
    expect(escapeHtml({ toHTML: () => '<b>', toString: () => '<i>' })).toBe('&lt;i&gt;');
    expect(escapeHtml(new Handlebars.SafeString('<b>'))).toBe('&lt;b&gt;');
  });

  it('escapes as Handlebars templates do', () => {
    const value = `<a href="x" onclick='y'>\`{{z}}\` & =</a>`;
    expect(escapeHtml(value)).toBe(Handlebars.create().compile('{{value}}')({ value }));
  });
});
