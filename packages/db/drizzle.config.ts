// drizzle-kit reads this to generate versioned SQL migrations from the schema.
// It never connects to a database: `generate` works offline.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
});
