'use client';
// The edited-payload editor: CodeMirror 6 with its JSON language, syntax errors marked as you
// type (the JSON linter), and the event schema's objection, when the server gave one, marked
// on the field it names. The schema's message is also shown beside the editor by its owner, as
// an alert the editor's content points to (aria-describedby). Loaded on demand (next/dynamic)
// by the replay controls, so no other page carries CodeMirror.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, linter, lintGutter, setDiagnostics } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import styles from './dlq.module.css';

export interface SchemaError {
  /** Dotted path of the field at fault; null when the whole event is. */
  readonly field: string | null;
  readonly message: string;
}

export interface JsonEditorProps {
  /** The element that labels the editor (a <label> or heading id). */
  readonly labelledBy: string;
  readonly initialValue: string;
  readonly onChange: (text: string) => void;
  readonly schemaError: SchemaError | null;
  /** The id of the message shown beside the editor, while there is one. */
  readonly describedBy: string | undefined;
}

/** Where the field a path names is written: its last key, else the start of the document. */
function fieldRange(text: string, field: string | null): { from: number; to: number } {
  const key = field?.split('.').pop();
  if (key) {
    const at = text.lastIndexOf(JSON.stringify(key));
    if (at >= 0) return { from: at, to: at + key.length + 2 };
  }
  const end = text.indexOf('\n');
  return { from: 0, to: end < 0 ? text.length : end };
}

const parseLinter = jsonParseLinter();

/**
 * The page's CSP nonce, which Next.js put on its scripts: CodeMirror's styles go into a <style>
 * element, which the console's style-src admits only with it. (The browser hides the attribute's
 * value; the property keeps it.)
 */
const cspNonce = () => document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? '';

/** JSON syntax errors first; when there are none, the schema's objection on its field. */
function diagnosticsOf(view: EditorView, schemaError: SchemaError | null): Diagnostic[] {
  const syntax = parseLinter(view);
  if (syntax.length > 0 || !schemaError) return syntax;
  return [
    {
      ...fieldRange(view.state.doc.toString(), schemaError.field),
      severity: 'error',
      source: 'event schema',
      message: schemaError.message,
    },
  ];
}

export function JsonEditor(p: JsonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const schemaError = useRef(p.schemaError);
  const onChange = useRef(p.onChange);
  const aria = useRef(new Compartment());
  onChange.current = p.onChange;

  const contentAttributes = (invalid: boolean, describedBy: string | undefined) =>
    EditorView.contentAttributes.of({
      'aria-labelledby': p.labelledBy,
      'aria-invalid': String(invalid),
      ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    });

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is made once; later props reach it through refs and effects below
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: p.initialValue,
        extensions: [
          EditorView.cspNonce.of(cspNonce()),
          lineNumbers(),
          history(),
          // Tab is left to the browser: keyboard users move on from the editor with it.
          keymap.of([...defaultKeymap, ...historyKeymap]),
          json(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle),
          EditorView.lineWrapping,
          lintGutter(),
          linter((ed) => diagnosticsOf(ed, schemaError.current), { delay: 300 }),
          aria.current.of(contentAttributes(false, undefined)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: contentAttributes reads only these
  useEffect(() => {
    schemaError.current = p.schemaError;
    const v = view.current;
    if (!v) return;
    // Set at once: the linter itself runs again only when the text changes.
    v.dispatch(setDiagnostics(v.state, diagnosticsOf(v, p.schemaError)), {
      effects: aria.current.reconfigure(contentAttributes(p.schemaError !== null, p.describedBy)),
    });
  }, [p.schemaError, p.describedBy]);

  return <div ref={host} className={styles.editor} />;
}
