// Vitest setup file: every test file removes the folders it made with tempDir() when it ends.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

afterAll(removeTempDirs);
