/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose 6 ships ESM only; Node 20 requires it natively, jest needs it compiled to CommonJS.
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^adaptivecards$': '<rootDir>/node_modules/adaptivecards/dist/adaptivecards.js',
    '^strip-bom$': '<rootDir>/test/support/stripBom.ts',
  },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
